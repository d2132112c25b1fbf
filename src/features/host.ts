/**
 * The seam between the client and its optional features (cross-tab sharing, upgrade back to
 * WebSocket, remembered transport): what a feature may see and do of the client (FeatureHost),
 * and where it joins the client's policy (FeatureHooks). Features see the client through this
 * narrow type, and change it only through the functions here.
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

/**
 * @internal What a feature may see of the client: the client itself, through this type (no
 * adapter object, so a feature costs only its own code). What a feature may do to it goes
 * through the functions at the end of this file.
 */
export interface FeatureHost {
  /** The base URL the client was given, made absolute. */
  readonly _baseUrl: string;
  readonly _settings: Readonly<Settings>;
  readonly _state: ClientState;
  /** Index in `settings.transports` of the transport in use or being tried. */
  readonly _transportIndex: number;
  /** The transport of the open connection, or null. */
  readonly _transport: TransportName | null;
  /** Where the client resumes from: the last delivered id, or the server's `last` id before any. */
  readonly _cursor: string | null;
  /** Starts connecting now (a tab that has become the sharing leader). */
  _startAttempt(): void;
  /** Emits an event to this tab's listeners only (not to the features). */
  _emitLocal<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]): void;
  /** The server (or the leader tab) says it has every message of `sender` up to `seq`. */
  _acknowledge(sender: string, seq: number): void;
  /**
   * Opens a connection over transport `index` beside the open one and hands over to it once it
   * continues exactly where the open one is, without a message lost, repeated or reordered.
   * `done(true)` after the handover; `done(false)` when the probe failed, did not resume, or
   * the client's connection went away first.
   */
  _startProbe(index: number, done: (handedOver: boolean) => void): void;
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
  attach(host: FeatureHost, options: ClientSettings): FeatureHooks | null;
}

// ---- what a feature may do to the client ------------------------------------------------------
// Here, in the one module that knows the client's insides, and only in the bundles of the
// features that call them.

/** Whether a connection is open (its open frame arrived). */
export function isOpen(host: FeatureHost): boolean {
  const attempt = (host as Client)._attempt;
  return !!(attempt && attempt.openedAt);
}

/** Starts the first connection at this transport instead of the first in the order. */
export function startAt(host: FeatureHost, index: number): void {
  const client = host as Client;
  client._transportIndex = client._roundStart = index;
}

/** Drops the connection and waits without reconnecting (a tab that follows another). */
export function disconnect(host: FeatureHost): void {
  const client = host as Client;
  client._teardown();
  client._state = 'connecting';
}

export function setRole(host: FeatureHost, role: TabRole): void {
  (host as Client)._role = role;
}

/**
 * An event that happened in the leader tab: the state, transport and cursor follow it as if it
 * had happened here (a message already delivered here is dropped), then this tab's listeners get it.
 */
export function relayEvent<K extends keyof ClientEvents>(host: FeatureHost, name: K, payload: ClientEvents[K], leaderCursor: string | null): void {
  const client = host as Client;
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
}

/**
 * A message another tab handed over, numbered under that tab's identity (`sender`), to send for
 * it until the server acknowledges it. A message the outbox holds already is not kept twice. Not
 * bounded here: each tab bounds its own messages by its `sendQueueSize`.
 */
export function relaySend(host: FeatureHost, sender: string, seq: number, data: string): void {
  const client = host as Client;
  const messages = client._outbox.messages;
  for (let i = 0; i < messages.length; i++) if (messages[i].client === sender && messages[i].seq === seq) return;
  messages.push({ client: sender, seq, data, done: null, writtenOn: 0 });
  client._flush();
}

/** This tab's own messages the server has not acknowledged, oldest first. */
export function unacknowledged(host: FeatureHost): OutgoingMessage[] {
  const outbox = (host as Client)._outbox;
  return outbox.messages.filter((message) => message.client === outbox.identity);
}
