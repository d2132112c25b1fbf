/**
 * The seam between the client and its optional features (cross-tab sharing, upgrade back to
 * WebSocket, remembered transport): what a feature may see and do of the client (FeatureHost),
 * and where it joins the client's policy (FeatureHooks). Features get this narrow view, never the
 * client itself, so that the client's state changes only in client.ts.
 */
import type { ClientSettings, Settings } from '../options.js';
import type { ClientEvents, TransportName } from '../types.js';

/** The client's state, as `client.state` shows it. */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'paused' | 'closed';

/** With `shared: true`: whether this tab holds the connection or follows the tab that does. */
export type TabRole = 'leader' | 'follower';

/** The page events the client listens to (window's online/offline/pageshow, document's others). */
export type PageEvent = 'online' | 'offline' | 'pageshow' | 'visibilitychange' | 'resume' | 'freeze';

/** @internal What a feature may see and do of the client. */
export interface FeatureHost {
  /** The base URL the client was given, made absolute. */
  readonly baseUrl: string;
  readonly settings: Readonly<Settings>;
  state(): ClientState;
  /** Whether a connection is open (the open frame arrived). */
  isOpen(): boolean;
  /** Index in `settings.transports` of the transport in use or being tried. */
  transportIndex(): number;
  /** The transport of the open connection, or null. */
  transport(): TransportName | null;
  /** Where the client resumes from: the last delivered id, or the server's `last` id before any. */
  cursor(): string | null;
  /** Starts the first connection at this transport instead of the first in the order. */
  startAt(index: number): void;
  /** Starts connecting now (a tab that has become the sharing leader). */
  connect(): void;
  /** Drops the connection and waits without reconnecting (a tab that follows another). */
  disconnect(): void;
  setRole(role: TabRole): void;
  /**
   * An event that happened in the leader tab: the state, transport and cursor follow it as if it
   * had happened here (a message already delivered here is dropped), then this tab's listeners get it.
   */
  relay<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K], leaderCursor: string | null): void;
  /** Emits an event to this tab's listeners only (not to the features). */
  emitLocal<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]): void;
  /** The application's send(), for a message another tab handed over. */
  send(data: string): boolean;
  /**
   * Opens a connection over transport `index` beside the open one and hands over to it once it
   * continues exactly where the open one is, without a message lost, repeated or reordered.
   * `done(true)` after the handover; `done(false)` when the probe failed, did not resume, or
   * the client's connection went away first.
   */
  probe(index: number, done: (handedOver: boolean) => void): void;
}

/** What a feature's send hook did with a message. */
export type SendOutcome =
  /** Not this feature's business: the client sends it. */
  | 'not-taken'
  /** The feature took it (a sharing follower handed it to the leader tab). */
  | 'taken'
  /** The feature took it and refused it; it reported why (send() returns false). */
  | 'refused';

/** @internal Where a feature joins the client's policy. Each hook is optional. */
export interface FeatureHooks {
  /** The client is starting: true when the feature starts it itself (sharing elects a leader first). */
  start?(): boolean;
  /** The application called send(). */
  send?(data: string): SendOutcome;
  /** An event went to the application's listeners. */
  emitted?<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]): void;
  /** A connection opened on this transport (before `open` is emitted). */
  opened?(transport: TransportName): void;
  /** An attempt failed after it had opened (true) or before (false). */
  failed?(wasOpen: boolean): void;
  /** The connection is being torn down. */
  teardown?(): void;
  /** A page lifecycle event: true when the feature handled it. */
  lifecycle?(type: PageEvent): boolean;
  /** The client stops for good. */
  stop?(): void;
}

/**
 * An optional part of the client, kept out of the core so that `createClient()` bundles carry
 * only what they use. The client calls `setup` once; it returns the feature's hooks, or null
 * when its option is off.
 */
export interface Feature {
  /** The option that turns it on. */
  readonly option: 'shared' | 'upgrade' | 'remember';
  /** @internal */
  setup(host: FeatureHost, options: ClientSettings): FeatureHooks | null;
}
