/**
 * The seam between the client and its optional features (cross-tab sharing, upgrade back to
 * WebSocket, remembered transport): what a feature may see and do of the client (FeatureHost),
 * and where it joins the client's policy (FeatureHooks). Features get this narrow view, never the
 * client itself, so that the client's state changes only in client.ts.
 */
import type { Client } from '../client.js';
import type { ClientSettings, Settings } from '../options.js';
import type { OutgoingMessage } from '../outbox.js';
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
  relayEvent<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K], leaderCursor: string | null): void;
  /** Emits an event to this tab's listeners only (not to the features). */
  emitLocal<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]): void;
  /**
   * A message another tab handed over, numbered under that tab's identity (`sender`), to send
   * for it until the server acknowledges it.
   */
  relaySend(sender: string, seq: number, data: string): void;
  /** The leader tab says the server has every message of `sender` up to `seq`. */
  acknowledge(sender: string, seq: number): void;
  /** This tab's own messages the server has not acknowledged, oldest first. */
  unacknowledged(): OutgoingMessage[];
  /**
   * Opens a connection over transport `index` beside the open one and hands over to it once it
   * continues exactly where the open one is, without a message lost, repeated or reordered.
   * `done(true)` after the handover; `done(false)` when the probe failed, did not resume, or
   * the client's connection went away first.
   */
  probe(index: number, done: (handedOver: boolean) => void): void;
}

/** @internal Where a feature joins the client's policy. Each hook is optional. */
export interface FeatureHooks {
  /** The client is starting: true when the feature starts it itself (sharing elects a leader first). */
  start?(): boolean;
  /**
   * The application's message is in the outbox, numbered: true when the feature sends it
   * (a sharing follower hands it to the leader tab) instead of the client.
   */
  queued?(message: OutgoingMessage): boolean;
  /** The server acknowledged messages of another tab's identity, up to `seq` (a sharing leader tells that tab). */
  acknowledged?(sender: string, seq: number): void;
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
 * only what they use. The client calls `attach` once; it returns the feature's hooks, or null
 * when its option is off.
 */
export interface Feature {
  /** The option that turns it on. */
  readonly option: 'shared' | 'upgrade' | 'remember';
  /** @internal */
  attach(client: Client, options: ClientSettings): FeatureHooks | null;
}

/**
 * @internal The FeatureHost of a client: made here, in the one module that knows the client's
 * insides, so that a bundle without features carries none of it. Each feature's `attach` calls
 * it (`{ option, attach: (client, options) => setup(featureHost(client), options) }`, a literal:
 * a call at module level would keep the feature in every bundle).
 */
export function featureHost(client: Client): FeatureHost {
  return {
    baseUrl: client._baseUrl,
    settings: client._settings,
    state: () => client._state,
    isOpen: () => !!(client._attempt && client._attempt.openedAt),
    transportIndex: () => client._transportIndex,
    transport: () => client._transport,
    cursor: () => client._cursor,
    startAt(index) {
      client._transportIndex = client._roundStart = index;
    },
    connect: () => client._startAttempt(),
    disconnect() {
      client._teardown();
      client._state = 'connecting';
    },
    setRole(role) {
      client._role = role;
    },
    relayEvent(name, payload, leaderCursor) {
      if (client._cursor === null) client._cursor = leaderCursor;
      if (name === 'message') {
        const id = (payload as ClientEvents['message']).id;
        if (client._recentIds.has(id)) return; // delivered here already
        client._recentIds.add(id);
        client._cursor = client._lastEventId = id;
      } else if (name === 'open') {
        client._transport = (payload as ClientEvents['open']).transport;
        client._state = 'open';
      } else if (name === 'reconnecting') {
        client._transport = null;
        client._state = 'reconnecting';
      }
      client._emitLocal(name, payload);
    },
    emitLocal: (name, payload) => client._emitLocal(name, payload),
    relaySend(sender, seq, data) {
      client._outbox.relay(sender, seq, data);
      client._flush();
    },
    acknowledge: (sender, seq) => client._acknowledge(sender, seq),
    unacknowledged: () => client._outbox.messages.filter((message) => message.client === client._outbox.identity),
    probe: (index, done) => client._startProbe(index, done),
  };
}
