/**
 * The Client: one connection at a time over the best transport that works, and the whole
 * policy in one place — fallback order, reconnection with backoff and a retry budget, liveness,
 * page lifecycle, resume from the last event id, duplicate suppression and the send queue.
 * Transports only move frames.
 */
import { backoffDelay, DEFAULT_BACKOFF, type Backoff } from './backoff.js';
import { report } from './emitter.js';
import { pushlineError } from './errors.js';
import { request } from './io/xhr.js';
import type { Frame } from './parse/frame.js';
import type { Transport, TransportFactory, TransportRequest } from './transports/transport.js';
import type {
  ClientEvents,
  ClientOptions,
  Dynamic,
  Endpoints,
  FailureClass,
  PushlineError,
  ReconnectOptions,
  TransportName,
} from './types.js';
import { absoluteUrl, endpointUrl, withQuery } from './url.js';

const DEFAULT_DELIMITER = '\n';
/** A connection open this long counts as stable: the backoff starts again from the beginning. */
const STABLE_MS = 5000;
/** Unstable connections in a row on one transport before moving down the order. */
const UNSTABLE_LIMIT = 3;
/** How many recent message ids are remembered to drop a replayed duplicate. */
const RECENT_IDS = 128;
const MAX_TIMER = 0x7fffffff;
/** The retry budget's window. */
const BUDGET_WINDOW = 60000;

export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'paused' | 'closed';

interface Settings {
  transports: TransportFactory[];
  endpoints: Endpoints;
  connectTimeout: number;
  heartbeatTimeout: number;
  backoff: (Backoff & { budget: number }) | null;
  withCredentials: boolean;
  headers: Dynamic<Record<string, string>>;
  query: Dynamic<Record<string, string>>;
  token: Dynamic<string | null>;
  delimiter: string;
  maxMessageSize: number;
  sendQueueSize: number;
  /** Ms hidden before pausing, or -1 to keep the connection in hidden pages. */
  pauseAfter: number;
}

/** What dynamic options resolved to for the current attempt. */
interface Resolved {
  headers: Record<string, string>;
  query: Record<string, string>;
  token: string | null;
}

type Thenable<T> = { then(ok: (v: T) => void, fail: (e: unknown) => void): unknown };

/** The options with a default (`pauseAfter` counts only with `whenHidden: 'pause'`). */
const DEFAULTS = {
  connectTimeout: 10000,
  heartbeatTimeout: 45000,
  delimiter: DEFAULT_DELIMITER,
  maxMessageSize: 1048576,
  sendQueueSize: 100,
  pauseAfter: 30000,
};

/** The keys of `defaults`, each from `given` unless undefined there. */
function withDefaults<T extends object>(given: { [K in keyof T]?: T[K] }, defaults: T): T {
  const r = {} as T;
  let k: keyof T;
  for (k in defaults) r[k] = given[k] === undefined ? defaults[k] : given[k]!;
  return r;
}

/**
 * Options with the parts already chosen: transport factories instead of names, and the optional
 * features. `connect()` passes all four built-in transports and every feature; `createClient()`
 * takes only what it is given, so a bundler keeps only those.
 */
export type ClientSettings = Omit<ClientOptions, 'transports'> & {
  transports: TransportFactory[];
  /** Optional features the options may turn on: `sharing`, `upgrading`, `remembering`. */
  features?: Feature[];
};

/**
 * An optional part of the client (cross-tab sharing, upgrade back to WebSocket, remembered
 * transport), kept out of the core so that `createClient()` bundles carry only what they use.
 * The constructor calls its setup once, which returns its hooks, or null when its option is off.
 */
export interface Feature {
  /** The option that turns it on. */
  readonly option: 'shared' | 'upgrade' | 'remember';
  /** @internal */
  setup(client: Client, options: ClientSettings): FeatureHooks | null;
}

/** @internal Where a feature joins the client's policy. Hooks returning true take the event. */
export interface FeatureHooks {
  /** The client is starting: true when the feature starts it itself (sharing elects first). */
  start?(): boolean;
  /** The application called send(): true when the feature took the message, 'full' when it refused it (reported). */
  send?(text: string): boolean | 'full';
  /** An event went to the application's listeners. */
  emitted?(name: string, payload: unknown): void;
  /** A connection opened on this transport (before `open` is emitted). */
  opened?(name: TransportName): void;
  /** A message frame with this id, before dedupe: true to drop it. */
  message?(id: string): boolean;
  /** An attempt failed after it had opened (true) or before (false). */
  failed?(wasOpen: boolean): void;
  /** The connection is being torn down. */
  teardown?(): void;
  /** A page lifecycle event: true when the feature handled it. */
  lifecycle?(type: string): boolean;
  /** The client stops for good. */
  stop?(): void;
}

const FEATURE_OPTIONS: Feature['option'][] = ['shared', 'upgrade', 'remember'];

function settings(o: ClientSettings): Settings {
  const r = o.reconnect;
  const transports = o.transports;
  if (!transports || !transports.length) throw new TypeError('Pushline: `transports` is empty');
  const s = withDefaults(o, DEFAULTS) as Settings;
  if (!s.delimiter) throw new TypeError('Pushline: `delimiter` is empty');
  s.transports = transports;
  s.endpoints = o.endpoints || {};
  s.backoff = r === false ? null : withDefaults(r || {}, DEFAULT_BACKOFF);
  s.withCredentials = !!o.withCredentials;
  s.headers = o.headers || {};
  s.query = o.query || {};
  s.token = o.token || null;
  if (o.whenHidden !== 'pause') s.pauseAfter = -1;
  return s;
}

type Listener<T> = (payload: T) => void;
type Once<T> = Listener<T> & { fn?: Listener<T> };

/**
 * The client is its own event emitter (mitt/nanoevents size class): no base class, because the
 * ES5 bundle would carry Babel's inheritance helpers for it. A listener that throws does not stop
 * the others (see report()).
 */
export class Client {
  // Fields are `declare`d and set in the constructor, several per statement: Babel turns each
  // initialiser into an assignment of its own (and a bare field into `this.x = void 0`).
  /** The transport of the open connection, or null while not connected. */
  declare transport: TransportName | null;
  /** Id of the last message delivered to the application. */
  declare lastEventId: string | null;
  declare state: ClientState;
  /** With `shared: true`: whether this tab holds the connection or follows the one that does. */
  declare role: 'leader' | 'follower' | null;

  // Members marked @internal are for the features (src/features/) and left out of the typings.
  /** @internal */
  declare _s: Settings;
  /** @internal */
  declare _base: string;
  /** @internal Index in `s.transports` of the transport being tried or used. */
  declare _index: number;
  /** @internal Where the current round of fallbacks started; the round is over when it comes back here. */
  declare _roundStart: number;
  /** @internal */
  declare _conn: Transport | null;
  /** @internal Incremented per attempt; callbacks of an older attempt are ignored. */
  declare _attemptId: number;
  private declare _attemptStart: number;
  private declare _attempts: number[];
  private declare _responded: boolean;
  /** @internal */
  declare _opened: boolean;
  private declare _openedAt: number;
  private declare _lastSeen: number;
  /** Failed attempts since the last stable connection: drives backoff and maxAttempts. */
  private declare _failures: number;
  /** Unstable connections in a row on the current transport. */
  private declare _unstable: number;
  /** A reconnection time the server asked for (open frame `retry`, like SSE's `retry:`). */
  private declare _serverRetry: number;
  /** Wall-clock time of a scheduled reconnection, 0 when none is scheduled. */
  private declare _retryAt: number;
  /** @internal Where to resume: the last delivered id, or the server's `last` id before any delivery. */
  declare _cursor: string | null;
  private declare _session: string | null;
  private declare _dyn: Resolved;
  /**
   * The last RECENT_IDS message ids, to drop a replayed duplicate: a ring, indexed by a Set where
   * the engine has one (a linear scan of 128 otherwise). Not an object keyed by id: V8 keeps
   * the ever-new keys of such lookups alive in its inline caches (the heap grew ~80 B a message).
   */
  private declare _recent: string[];
  private declare _recentAt: number;
  private declare _recentSet: Set<string> | null;
  private declare _outbox: string[];
  private declare _posting: { abort(): void } | null;
  // Cleared without a null check: clearTimeout(null) is a no-op (timer handles are never 0).
  private declare _timer: ReturnType<typeof setTimeout> | null;
  private declare _pauseTimer: ReturnType<typeof setTimeout> | null;
  private declare _lifecycle: (e: Event) => void;
  private declare _features: FeatureHooks[];
  private declare _listeners: { [name: string]: Listener<unknown>[] | undefined };

  constructor(url: string, options: ClientSettings) {
    const o = options;
    this._listeners = {};
    this.state = 'connecting';
    this.transport = this.role = this._conn = this._session = this._posting = this._timer = this._pauseTimer = null;
    // _attemptStart, _openedAt and _lastSeen are set before they are read.
    this._index = this._roundStart = this._attemptId = 0;
    this._failures = this._unstable = this._serverRetry = this._retryAt = this._recentAt = 0;
    this._responded = this._opened = false;
    this._attempts = [];
    this._dyn = { headers: {}, query: {}, token: null };
    this._recent = [];
    this._recentSet = typeof Set === 'function' ? new Set() : null;
    this._outbox = [];
    this._features = [];
    this._s = settings(o);
    this._base = absoluteUrl(url);
    this.lastEventId = this._cursor = o.lastEventId == null ? null : String(o.lastEventId);
    const features = o.features || [];
    const offered: { [option: string]: boolean } = {};
    for (let i = 0; i < features.length; i++) {
      const hooks = features[i].setup(this, o);
      offered[features[i].option] = true;
      if (hooks) this._features.push(hooks);
    }
    for (let i = 0; i < FEATURE_OPTIONS.length; i++) {
      const key = FEATURE_OPTIONS[i];
      if (o[key] && !offered[key]) throw new TypeError('Pushline: `' + key + '` needs its feature (createClient `features`, or pushline.full.min.js)');
    }
    this._lifecycle = (e) => this._onLifecycle(e.type);
    this._listen(true);
    // Start on a fresh task so listeners added right after connect() see every event.
    if (!this._hook('start')) this._schedule(0);
  }

  /** @internal Calls one hook of every feature; what one that took the event returned (truthy), else false. */
  _hook(name: keyof FeatureHooks, a?: unknown, b?: unknown): unknown {
    let taken: unknown = false;
    for (let i = 0; i < this._features.length; i++) {
      const h = this._features[i];
      const fn = h[name] as ((a: unknown, b: unknown) => unknown) | undefined;
      const r = fn && fn.call(h, a, b);
      if (r) taken = r;
    }
    return taken;
  }

  /** Sends a message to the server: a WebSocket frame, or an HTTP POST on the other transports. */
  send(data: string): boolean {
    if (this.state === 'closed') {
      this.emit('error', pushlineError('send-failed', 'send() after close()', null));
      return false;
    }
    const text = String(data);
    const taken = this._hook('send', text);
    if (taken) return taken === true; // a sharing follower: handed to the leader, or its queue is full
    if (this._opened && !this._outbox.length && this._conn && this._conn.send(text)) return true;
    // `endpoints.send: false`: what the open connection cannot carry has nowhere to go.
    const none = this._opened && this._s.endpoints.send === false;
    if (none || this._outbox.length >= this._s.sendQueueSize) {
      this.emit('error', pushlineError(none ? 'send-failed' : 'queue-full', none ? 'no send endpoint' : 'send queue full', this.transport));
      return false;
    }
    this._outbox.push(text);
    this._flush();
    return true;
  }

  /** Stops everything: the connection, timers, pending requests, page listeners. Emits `close` once. */
  close(): void {
    this._stop(null);
  }

  on<K extends keyof ClientEvents>(name: K, fn: Listener<ClientEvents[K]>): this {
    (this._listeners[name] || (this._listeners[name] = [])).push(fn as Listener<unknown>);
    return this;
  }

  off<K extends keyof ClientEvents>(name: K, fn: Listener<ClientEvents[K]>): this {
    const list = this._listeners[name];
    // Copy-on-write: an emit in progress keeps iterating the array it started with.
    if (list) this._listeners[name] = list.filter((l) => l !== fn && (l as Once<unknown>).fn !== fn);
    return this;
  }

  once<K extends keyof ClientEvents>(name: K, fn: Listener<ClientEvents[K]>): this {
    const wrapper: Once<ClientEvents[K]> = (payload) => {
      this.off(name, wrapper);
      fn(payload);
    };
    wrapper.fn = fn;
    return this.on(name, wrapper);
  }

  /** Every event also goes to the features (a sharing leader hands it to the other tabs). */
  protected emit<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]): void {
    this._emitLocal(name, payload);
    this._hook('emitted', name, payload);
  }

  /** @internal Hands an event to this tab's listeners only (a sharing follower relaying the leader). */
  _emitLocal<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]): void {
    const list = this._listeners[name];
    if (list) for (let i = 0; i < list.length; i++) report(list[i], payload);
  }

  // ---- connection attempts -------------------------------------------------------------

  /** @internal */
  _attempt(): void {
    this._retryAt = 0;
    const s = this._s;
    if (!s.transports.some((t) => t.supported())) {
      return this._stop(pushlineError('no-transport', 'no supported transport', null));
    }
    // Offline: do not spin; the `online` event starts the next attempt.
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.state = 'reconnecting';
      return;
    }
    if (s.backoff) {
      const t = now();
      const a = this._attempts;
      while (a.length && a[0] <= t - BUDGET_WINDOW) a.shift();
      if (a.length >= s.backoff.budget) return this._schedule(a[0] + BUDGET_WINDOW - t);
      a.push(t);
    }
    const factory = s.transports[this._index];
    const name = factory.name;
    const id = ++this._attemptId;
    this.state = this._failures ? 'reconnecting' : 'connecting';
    this._session = null;
    this._responded = this._opened = false;
    this._attemptStart = now();
    if (!factory.supported()) {
      return this._fail(pushlineError('unsupported', 'unsupported here', name));
    }
    this._wait(s.connectTimeout, () =>
      this._fail(
        this._responded
          ? pushlineError('buffered', 'answered, then nothing in ' + s.connectTimeout + ' ms', name)
          : pushlineError('timeout', 'no answer in ' + s.connectTimeout + ' ms', name),
      ),
    );
    this._resolveOptions(id, () => this._open(id, factory));
  }

  /** Calls the options given as functions (token refresh etc.), waiting for promises. */
  private _resolveOptions(id: number, done: () => void): void {
    const s = this._s;
    let pending = 1;
    const settle = () => {
      if (--pending === 0 && id === this._attemptId) done();
    };
    const dyn = this._dyn as unknown as Record<string, unknown>;
    const resolve = (key: keyof Resolved): boolean => {
      let value: unknown = s[key];
      if (typeof value === 'function') {
        try {
          value = (value as () => unknown)();
        } catch (e) {
          this._optionFailed(key, e);
          return false;
        }
      }
      if (value && typeof (value as Thenable<unknown>).then === 'function') {
        pending++;
        (value as Thenable<unknown>).then(
          (v) => {
            dyn[key] = v;
            settle();
          },
          (e) => {
            if (id === this._attemptId) this._optionFailed(key, e);
          },
        );
      } else {
        dyn[key] = value;
      }
      return true;
    };
    // In order, and none after one that threw.
    if (resolve('headers') && resolve('query') && resolve('token')) settle();
  }

  private _optionFailed(key: string, e: unknown): void {
    const error = pushlineError('options', key + ' option failed: ' + e, null);
    this.emit('error', error);
    this._fail(error);
  }

  /** @internal What a transport reads from the client: the URL, headers and cursor, live. */
  _request(name: TransportName): TransportRequest {
    const self = this;
    const s = this._s;
    return {
      url: () => self._url(name),
      headers: () => {
        const h = self._headers({});
        if (self._cursor !== null) h['Last-Event-ID'] = self._cursor;
        return h;
      },
      cursor: () => self._cursor,
      withCredentials: s.withCredentials,
      delimiter: s.delimiter,
      maxMessageSize: s.maxMessageSize,
    };
  }

  private _open(id: number, factory: TransportFactory): void {
    const self = this;
    const name = factory.name;
    try {
      this._conn = factory.open(this._request(name), {
        responded: () => {
          if (id === self._attemptId) self._responded = true;
        },
        frame: (f) => {
          if (id === self._attemptId) self._onFrame(f, name);
        },
        end: (e) => {
          if (id === self._attemptId) self._fail(e);
        },
      });
    } catch (e) {
      // Constructors throw for URLs the browser refuses (e.g. mixed content, a blocked port).
      this._fail(pushlineError('refused', '' + e, name));
    }
  }

  /** The `headers` option and the token, added to `h`. */
  private _headers(h: Record<string, string>): Record<string, string> {
    copy(this._dyn.headers, h);
    if (this._dyn.token) h.Authorization = 'Bearer ' + this._dyn.token;
    return h;
  }

  private _url(name: TransportName): string {
    const params: { [k: string]: string | null } = {};
    copy(this._dyn.query, params);
    params.lastEventId = this._cursor;
    // WebSocket and EventSource cannot send headers: the token goes in the query there.
    if ((name === 'websocket' || name === 'sse') && this._dyn.token) params.access_token = this._dyn.token;
    if (name === 'longpoll') params.session = this._session;
    if (name === 'streaming' && this._s.delimiter !== DEFAULT_DELIMITER) params.delimiter = this._s.delimiter;
    return withQuery(endpointUrl(this._base, name, this._s.endpoints[name]), params);
  }

  /** @internal */
  _onFrame(f: Frame | null, name: TransportName): void {
    this._lastSeen = now();
    if (!f) return this._fail(pushlineError('protocol', 'bad frame', name));
    if (f.type === 'open') {
      const asked = this._cursor;
      this._session = f.session;
      if (f.retry !== null) this._serverRetry = f.retry;
      // Before any delivery, or after a gap, the server's newest id is where to resume.
      if (f.gap || this._cursor === null) this._cursor = f.last;
      if (!this._opened) {
        this._opened = true;
        this._openedAt = this._lastSeen;
        this.state = 'open';
        this.transport = name;
        this._roundStart = this._index;
        this._watchHeartbeat();
        this._hook('opened', name);
        this.emit('open', { transport: name, resumed: f.resumed });
      }
      // A listener may have closed the client: check before each further step.
      if (f.gap && this._opened) this.emit('gap', { lastEventId: asked, transport: name });
      this._flush();
    } else if (f.type === 'message') {
      if (!this._opened) return this._fail(pushlineError('protocol', 'message before open', name));
      if (this._hook('message', f.id)) return; // e.g. delivered by the connection this one replaced
      if (this._seen(f.id)) return; // a replayed duplicate
      this._remember(f.id);
      this._cursor = f.id;
      if (f.data.length > this._s.maxMessageSize) {
        // Skipped, not retried: a resume would bring the same message back forever.
        this.emit('error', pushlineError('too-large', 'message ' + f.id + ' over maxMessageSize: skipped', name, { id: f.id }));
      } else {
        this.lastEventId = f.id;
        this.emit('message', { data: f.data, id: f.id, event: f.event });
      }
    }
  }

  /** @internal */
  _seen(id: string): boolean {
    return this._recentSet ? this._recentSet.has(id) : this._recent.indexOf(id) >= 0;
  }

  /** @internal */
  _remember(id: string): void {
    const set = this._recentSet;
    const old = this._recent[this._recentAt];
    if (set && old !== undefined) set.delete(old);
    this._recent[this._recentAt] = id;
    this._recentAt = (this._recentAt + 1) % RECENT_IDS;
    if (set) set.add(id);
  }

  /** Liveness by wall-clock time: a throttled or frozen timer cannot make a dead link look alive. */
  private _watchHeartbeat(): void {
    const limit = this._s.heartbeatTimeout;
    if (!limit) {
      // 0: no liveness check (a server that sends nothing between messages); the connect timer goes too.
      clearTimeout(this._timer!);
      this._timer = null;
      return;
    }
    const silent = now() - this._lastSeen;
    if (silent >= limit) {
      const name = this._s.transports[this._index].name;
      return this._fail(pushlineError('muted', 'silent for ' + silent + ' ms', name));
    }
    this._wait(limit - silent, () => this._watchHeartbeat());
  }

  // ---- the policy: fallback, backoff, give up ----------------------------------------------

  /** @internal */
  _fail(error: PushlineError): void {
    if (this.state === 'closed') return;
    const s = this._s;
    const name = s.transports[this._index].name;
    const wasOpen = this._opened;
    const elapsed = now() - this._attemptStart;
    this._teardown();
    if (fatal(error)) return this._stop(error);
    if (error.code === 'protocol' || error.code === 'too-large') this.emit('error', error);
    if (error.id) this._cursor = error.id; // an oversized message: resume after it

    const reason = error.code as FailureClass;
    this._hook('failed', wasOpen);
    // The server asked to wait (429/503 + Retry-After), or an option callback failed: not the
    // transport's fault, so retry it after the delay instead of moving down the order.
    const told = error.retryAfter !== undefined || error.status === 429 || error.status === 503 || error.code === 'options';
    let moveOn = !told && (!wasOpen || reason === 'muted');
    if (wasOpen) {
      if (now() - this._openedAt >= STABLE_MS) {
        this._failures = this._unstable = 0;
      } else if (++this._unstable >= UNSTABLE_LIMIT) {
        moveOn = true;
      }
    }
    const count = s.transports.length;
    if (moveOn && count > 1) {
      this._unstable = 0;
      this._index = (this._index + 1) % count;
      const roundOver = this._index === this._roundStart;
      this.emit('fallback', {
        attempt: this._failures + 1,
        transport: name,
        reason,
        elapsed,
        next: roundOver ? null : s.transports[this._index].name,
        error,
      });
      if (this._isClosed()) return; // a listener closed the client
      // Within a round the next transport is a different path: try it at once.
      if (!roundOver && !wasOpen) return this._attempt();
      if (wasOpen) this._roundStart = this._index;
    }
    this._retry(error);
  }

  private _retry(error: PushlineError): void {
    const b = this._s.backoff;
    this._failures++;
    if (!b) return this._stop(error);
    if (this._failures > b.maxAttempts) {
      return this._stop(pushlineError('exhausted', 'gave up after ' + b.maxAttempts + ' attempts', error.transport));
    }
    // setTimeout overflows past 2^31-1 ms (~24.8 days) and would fire at once.
    const delay = Math.min(MAX_TIMER, Math.max(backoffDelay(b, this._failures), error.retryAfter || 0, this._serverRetry));
    this.state = 'reconnecting';
    this.emit('reconnecting', { attempt: this._failures, delay, transport: this._s.transports[this._index].name, error });
    if (!this._isClosed()) this._schedule(delay);
  }

  /** Re-reads the state after emitting: listeners may call close(), which TS cannot see. */
  private _isClosed(): boolean {
    return this.state === 'closed';
  }

  private _schedule(delay: number): void {
    this._retryAt = now() + delay;
    this._wait(delay, () => this._attempt());
  }

  /** @internal */
  _teardown(): void {
    this._attemptId++;
    this._hook('teardown');
    clearTimeout(this._timer!);
    if (this._conn) this._conn.close();
    if (this._posting) this._posting.abort();
    this._timer = this._conn = this._posting = this.transport = null;
    this._retryAt = 0;
    this._opened = false;
  }

  private _stop(error: PushlineError | null): void {
    if (this.state === 'closed') return;
    this._teardown();
    this._listen(false);
    this._hook('stop');
    this.state = 'closed';
    if (error) this.emit('error', error);
    this.emit('close', { error });
  }

  private _wait(ms: number, fn: () => void): void {
    clearTimeout(this._timer!);
    this._timer = setTimeout(() => {
      this._timer = null;
      fn();
    }, ms);
  }

  // ---- page lifecycle ---------------------------------------------------------------------

  private _listen(on: boolean): void {
    if (typeof window === 'undefined' || !window.addEventListener) return;
    const method = on ? 'addEventListener' : 'removeEventListener';
    // The first three are window's events, the others document's.
    const names = ['online', 'offline', 'pageshow', 'visibilitychange', 'resume', 'freeze'];
    for (let i = 0; i < names.length; i++) (i < 3 ? window : document)[method](names[i], this._lifecycle);
    clearTimeout(this._pauseTimer!); // null when adding them
  }

  /**
   * After bfcache restore, a freeze, a background tab's throttled timers or the network coming
   * back, timers cannot be trusted: check the wall clock now instead.
   */
  private _onLifecycle(type: string): void {
    if (this.state === 'closed') return;
    // Only page listeners call this, so there is a document (_listen added them to it).
    const hidden = document.visibilityState === 'hidden';
    if (type === 'offline' || this._hook('lifecycle', type)) return;
    if (type === 'visibilitychange' && this._s.pauseAfter >= 0) {
      clearTimeout(this._pauseTimer!);
      this._pauseTimer = null;
      if (hidden) {
        this._pauseTimer = setTimeout(() => {
          this._pauseTimer = null;
          this._teardown();
          this.state = 'paused';
        }, this._s.pauseAfter);
        return;
      }
    }
    if (hidden) return;
    if (this.state === 'paused') return this._attempt();
    if (this._opened) return this._watchHeartbeat();
    // Waiting to reconnect: go now if the network is back or the wait is over by the clock.
    if (this.state === 'reconnecting' && (type === 'online' || (this._retryAt && now() >= this._retryAt) || (!this._retryAt && !this._timer))) {
      this._attempt();
    }
  }

  // ---- sending ------------------------------------------------------------------------------

  /** Drains the outbox in order: over the WebSocket, or one POST at a time. */
  private _flush(): void {
    if (!this._opened || this._posting || !this._conn) return;
    while (this._outbox.length && this._conn.send(this._outbox[0])) this._outbox.shift();
    const s = this._s;
    // With `endpoints.send: false`, what was queued waits for a connection that can carry it.
    if (!this._outbox.length || s.endpoints.send === false) return;
    const url = withQuery(endpointUrl(this._base, 'send', s.endpoints.send), { session: this._session });
    const headers = this._headers({ 'Content-Type': 'text/plain;charset=UTF-8' });
    const name = this.transport;
    this._posting = request({ method: 'POST', url, headers, withCredentials: s.withCredentials, body: this._outbox[0] }, (res) => {
      this._posting = null;
      if (res.status >= 200 && res.status < 300) {
        this._outbox.shift();
        return this._flush();
      }
      // Kept in the outbox: sent again after the next open.
      this.emit('error', pushlineError('send-failed', 'send: HTTP ' + res.status, name, { status: res.status }));
    });
  }
}

/** Answers that retrying cannot fix: the application must act. */
function fatal(e: PushlineError): boolean {
  const c = e.closeCode;
  return e.status === 401 || e.status === 403 || e.code === 'closed-by-server' || c === 1008 || (c !== undefined && c >= 4000 && c < 5000);
}

function copy(from: { [k: string]: string } | null | undefined, to: { [k: string]: string | null }): void {
  for (const k in from) to[k] = from[k];
}

function now(): number {
  return Date.now();
}
