/** Public types of the Pushline client. Kept in one file so the .d.ts reads top to bottom. */

/** The four built-in transports, in the default fallback order. */
export type BuiltInTransport = 'websocket' | 'sse' | 'streaming' | 'longpoll';

/**
 * A transport's name: one of the built-in four, or the name of a transport of one's own given
 * to `createClient()` (`string & {}` keeps the built-in names offered by editors).
 */
export type TransportName = BuiltInTransport | (string & {});

/** A message delivered to the application. */
export interface PushlineMessage {
  /** The payload, as the server published it (text). */
  data: string;
  /** The server's id for the message; opaque, never compared by the client. */
  id: string;
  /** Event name; `'message'` when the server gave none. */
  event: string;
}

export interface OpenEvent {
  /** The transport that carries the connection. */
  transport: TransportName;
  /** True when the server continues exactly after the client's last event id. */
  resumed: boolean;
}

export interface GapEvent {
  /** The id the client asked to resume from, which the server no longer has. */
  lastEventId: string | null;
  transport: TransportName;
}

/**
 * Why a connection attempt or a connection failed.
 * - `unsupported`: the browser lacks the transport.
 * - `refused`: the server or a proxy answered with an error, or closed before open.
 * - `timeout`: nothing answered within `connectTimeout`.
 * - `buffered`: the server answered but no frame arrived within `connectTimeout` (a buffering proxy).
 * - `muted`: an open connection went silent for longer than `heartbeatTimeout`.
 * - `closed`: an open connection ended.
 * - `protocol`: the server sent something that is not a Pushline frame.
 * - `too-large`: a message exceeded `maxMessageSize`.
 * - `missed`: a message named a predecessor (`prev`) other than the last one delivered: something
 *   between the server and the client lost messages. The client reconnects at once to resume.
 */
export type FailureClass = 'unsupported' | 'refused' | 'timeout' | 'buffered' | 'muted' | 'closed' | 'protocol' | 'too-large' | 'missed';

export type ErrorCode =
  | FailureClass
  | 'auth'
  | 'options'
  | 'send-failed'
  | 'queue-full'
  | 'no-transport'
  | 'exhausted'
  | 'closed-by-server';

/** Every error Pushline reports is an `Error` with these extra fields. */
export interface PushlineError extends Error {
  code: ErrorCode;
  transport: TransportName | null;
  /** HTTP status, when an HTTP response caused the error. */
  status?: number;
  /** WebSocket close code, when a close caused the error. */
  closeCode?: number;
  /** Ms the server asked the client to wait (Retry-After on 429/503). */
  retryAfter?: number;
  /** The id of the message the error is about (a message over maxMessageSize, skipped). */
  id?: string;
}

/** Emitted when the client leaves a transport for the next one in the order. */
export interface FallbackEvent {
  /** 1-based count of connection attempts since the last stable connection. */
  attempt: number;
  /** The transport that failed. */
  transport: TransportName;
  reason: FailureClass;
  /** Milliseconds from the start of the attempt to the failure. */
  elapsed: number;
  /** The transport tried next, or null when every transport failed in this round. */
  next: TransportName | null;
  error: PushlineError;
}

/** Emitted before the client waits to reconnect. */
export interface ReconnectingEvent {
  attempt: number;
  /** Milliseconds until the next attempt. */
  delay: number;
  /** The transport the next attempt will use. */
  transport: TransportName;
  error: PushlineError;
}

export interface CloseEvent {
  /** Why the client stopped, or null when the application called `close()`. */
  error: PushlineError | null;
}

export interface ClientEvents {
  open: OpenEvent;
  message: PushlineMessage;
  gap: GapEvent;
  error: PushlineError;
  close: CloseEvent;
  fallback: FallbackEvent;
  reconnecting: ReconnectingEvent;
}

/**
 * The application's own events: the event names its server publishes, each mapped to the type
 * of its messages' `data` once `decode` has read it (a string without `decode`). For
 * `connect<Events>()`: `client.on('chat', (m) => m.data)` is then typed.
 */
export type EventMap = { [event: string]: unknown };

/** A message of one of the application's events, as `on('<event name>')` gets it. */
export interface AppMessage<D> {
  /** The payload: what `decode` returned for it, or the text as published without `decode`. */
  data: D;
  id: string;
  event: string;
}

/**
 * What `on`, `once` and `off` take: the client's events, and each of the application's (every
 * message is also emitted under its event name, unless that name is one of the client's).
 */
export type EventsOf<E extends EventMap> = ClientEvents & { [K in Exclude<keyof E, keyof ClientEvents> & string]: AppMessage<E[K]> };

/** `client.stats()`: counts since the client was created (this tab's, with `shared: true`). */
export interface ClientStats {
  /** Connection attempts started (races and probes included). */
  attempts: number;
  /** `fallback` events. */
  fallbacks: number;
  /** `reconnecting` events. */
  reconnects: number;
  /** Connections that opened by resuming from the last event id. */
  resumes: number;
  /** `gap` events. */
  gaps: number;
  /** Messages delivered. */
  messages: number;
  /** Characters of message data delivered. */
  bytes: number;
  /** Ms from the start of the last attempt that got an answer to that answer; null before any. */
  roundTrip: number | null;
}

export interface ReconnectOptions {
  /** First delay in ms [500]. */
  initialDelay?: number;
  /** Largest delay in ms [30000]. */
  maxDelay?: number;
  /** Growth per failed attempt [2]. */
  factor?: number;
  /** Share of each delay that is randomised, 0..1 [0.5]. */
  jitter?: number;
  /** Failed attempts in a row before the client gives up [Infinity]. */
  maxAttempts?: number;
  /**
   * Retry budget: at most this many connection attempts in any 60 s window [30]. Past it the
   * client waits, whatever the backoff says, so a server that keeps failing is not hammered.
   */
  budget?: number;
}

/** A value, or a function called at each (re)connection that returns it or a promise of it. */
export type Dynamic<T> = T | (() => T | PromiseLike<T>);

/** Endpoint overrides: a URL per transport (by name), and where send() POSTs. */
export interface Endpoints {
  websocket?: string;
  sse?: string;
  streaming?: string;
  longpoll?: string;
  /** Where send() POSTs, or `false` for a server that takes no messages over HTTP. */
  send?: string | false;
  /** A transport of one's own, by its name. */
  [transport: string]: string | false | undefined;
}

export interface ClientOptions {
  /** Order of transports to try, by name [`['websocket','sse','streaming','longpoll']`]. */
  transports?: TransportName[];
  /** Per-transport endpoint URLs, overriding the ones derived from the base URL. */
  endpoints?: Endpoints;
  /** Resume after this id (e.g. saved from a previous page load) [null]. */
  lastEventId?: string | null;
  /** Ms an attempt may take to receive the server's open frame [10000]. */
  connectTimeout?: number;
  /** Ms of silence after which an open connection counts as dead [45000]; 0 turns the check off. */
  heartbeatTimeout?: number;
  /** Reconnection policy, or `false` to never reconnect [on, with the defaults shown]. */
  reconnect?: ReconnectOptions | false;
  /** Send cookies and HTTP auth on cross-origin HTTP transports and EventSource [false]. */
  withCredentials?: boolean;
  /** Extra request headers for the streaming, long-polling and send requests [{}]. */
  headers?: Dynamic<Record<string, string>>;
  /** Extra query parameters on every endpoint [{}]. */
  query?: Dynamic<Record<string, string>>;
  /**
   * An auth token, re-read at each (re)connection [none]. Sent as `Authorization: Bearer` on the
   * HTTP transports, and as the `access_token` query parameter on WebSocket, which cannot carry
   * headers. Given as a function, a refused token (401/403) makes the client call it again and
   * retry at once.
   */
  token?: Dynamic<string | null>;
  /**
   * Also send the token as the `access_token` query parameter on the `sse` transport (and the
   * `pushline/sse` profile), for event-stream servers that read it only there, as servers written
   * for the native EventSource do [false]. Streaming, long polling and sends use the header only.
   */
  tokenInQuery?: boolean;
  /**
   * What a hidden tab does with its connection [`'keep'`]: `'pause'` closes it after the page
   * has been hidden for `pauseAfter` ms and resumes (from the last event id) when it is visible.
   */
  whenHidden?: 'keep' | 'pause';
  /** With `whenHidden: 'pause'`: ms a page stays hidden before its connection is paused [30000]. */
  pauseAfter?: number;
  /**
   * Remember the transport that worked, per endpoint origin, in localStorage, and start there on
   * the next page load [false]. `true` keeps it 24 hours; a number is the time to live in ms.
   * It is forgotten when it fails before opening, or when it expires.
   */
  remember?: boolean | number;
  /**
   * After falling back from WebSocket, probe it again in the background and hand over to it
   * once it works, resuming from the last id before the old connection is closed [false].
   * `true` probes after 30 s; a number is the first delay in ms (doubling after each failed
   * probe, up to 10 minutes). Needs `websocket` first in `transports`.
   */
  upgrade?: boolean | number;
  /**
   * Share one connection between the tabs of this origin [false]: the tabs elect a leader
   * (Web Locks) that alone holds the connection, and messages, events and sends travel between
   * tabs (BroadcastChannel). When the leader closes or freezes, another tab takes over and
   * resumes from its last id. Where either API is missing (engines before 2022; Web Locks also
   * outside secure contexts, i.e. on plain http: pages but localhost), each tab connects on its
   * own, as without `shared`, and `client.role` is null.
   */
  shared?: boolean;
  /** Delimiter between frames on the streaming transport ['\n']. */
  delimiter?: string;
  /** Largest frame accepted, in characters [1048576]. */
  maxMessageSize?: number;
  /**
   * Messages kept until the server acknowledges them (or, with a server that does not, until
   * sent) [10000]: bursts while connected fit; past it send() returns false with `queue-full`.
   */
  sendQueueSize?: number;
  /**
   * Reads the data of messages of the application's events (those with an event name) before
   * `on('<event name>')` gets them, e.g. `JSON.parse` [none: the text]. `on('message')` always
   * gets the text. A message it throws on is reported (`error`, code `protocol`) and not emitted
   * under its name.
   */
  decode?: (data: string, event: string) => unknown;
  /**
   * Called with every event the client emits and with each connection attempt it starts
   * (`'attempt'`, `{ transport }`): a log for support teams [none]. `client.stats()` has the counts.
   */
  logger?: (event: string, detail: unknown) => void;
}
