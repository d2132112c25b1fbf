/**
 * The Client: one connection at a time over the best transport that works, and the whole
 * policy in one place — fallback order, reconnection with backoff and a retry budget, liveness,
 * page lifecycle, resume from the last event id, duplicate suppression and the send queue.
 * Transports only move frames.
 */
import { backoffDelay, DEFAULT_BACKOFF, type Backoff } from './backoff.js';
import { Emitter } from './emitter.js';
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
/** The retry budget's window. */
const BUDGET_WINDOW = 60000;
/** With `whenHidden: 'pause'`, how long a page stays hidden before its connection is paused. */
const PAUSE_AFTER = 30000;

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
  pauseWhenHidden: boolean;
}

/** What dynamic options resolved to for the current attempt. */
interface Resolved {
  headers: Record<string, string>;
  query: Record<string, string>;
  token: string | null;
}

type Thenable<T> = { then(ok: (v: T) => void, fail: (e: unknown) => void): unknown };

function pick<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

/**
 * Options with the transports already chosen: factories instead of names. `connect()` maps names
 * to the four built-in factories; `createClient()` takes factories, so a bundler keeps only those.
 */
export type ClientSettings = Omit<ClientOptions, 'transports'> & { transports: TransportFactory[] };

function settings(o: ClientSettings): Settings {
  const r = o.reconnect;
  let backoff: Settings['backoff'] = null;
  if (r !== false) {
    const given = r || {};
    backoff = {
      initialDelay: pick(given.initialDelay, DEFAULT_BACKOFF.initialDelay),
      maxDelay: pick(given.maxDelay, DEFAULT_BACKOFF.maxDelay),
      factor: pick(given.factor, DEFAULT_BACKOFF.factor),
      jitter: pick(given.jitter, DEFAULT_BACKOFF.jitter),
      maxAttempts: pick(given.maxAttempts, DEFAULT_BACKOFF.maxAttempts),
      budget: pick(given.budget, 30),
    };
  }
  const transports = o.transports;
  if (!transports || !transports.length) throw new TypeError('Pushline: `transports` is empty');
  const delimiter = pick(o.delimiter, DEFAULT_DELIMITER);
  if (!delimiter) throw new TypeError('Pushline: `delimiter` is empty');
  return {
    transports,
    endpoints: o.endpoints || {},
    connectTimeout: pick(o.connectTimeout, 10000),
    heartbeatTimeout: pick(o.heartbeatTimeout, 45000),
    backoff,
    withCredentials: !!o.withCredentials,
    headers: o.headers || {},
    query: o.query || {},
    token: o.token || null,
    delimiter,
    maxMessageSize: pick(o.maxMessageSize, 1048576),
    sendQueueSize: pick(o.sendQueueSize, 100),
    pauseWhenHidden: o.whenHidden === 'pause',
  };
}

export class Client extends Emitter<ClientEvents> {
  /** The transport of the open connection, or null while not connected. */
  transport: TransportName | null = null;
  /** Id of the last message delivered to the application. */
  lastEventId: string | null;
  state: ClientState = 'connecting';

  private s: Settings;
  private base: string;
  /** Index in `s.transports` of the transport being tried or used. */
  private index = 0;
  /** Where the current round of fallbacks started; the round is over when it comes back here. */
  private roundStart = 0;
  private conn: Transport | null = null;
  /** Incremented per attempt; callbacks of an older attempt are ignored. */
  private attemptId = 0;
  private attemptStart = 0;
  private attempts: number[] = [];
  private responded = false;
  private opened = false;
  private openedAt = 0;
  private lastSeen = 0;
  /** Failed attempts since the last stable connection: drives backoff and maxAttempts. */
  private failures = 0;
  /** Unstable connections in a row on the current transport. */
  private unstable = 0;
  /** A reconnection time the server asked for (open frame `retry`, like SSE's `retry:`). */
  private serverRetry = 0;
  /** Wall-clock time of a scheduled reconnection, 0 when none is scheduled. */
  private retryAt = 0;
  /** Where to resume: the last delivered id, or the server's `last` id before any delivery. */
  private cursor: string | null;
  private session: string | null = null;
  private dyn: Resolved = { headers: {}, query: {}, token: null };
  private recent: string[] = [];
  private recentIndex: { [id: string]: true } = {};
  private outbox: string[] = [];
  private posting: { abort(): void } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pauseTimer: ReturnType<typeof setTimeout> | null = null;
  private lifecycle: (e: Event) => void;

  constructor(url: string, options: ClientSettings) {
    super();
    const o = options;
    this.s = settings(o);
    this.base = absoluteUrl(url);
    this.lastEventId = this.cursor = o.lastEventId == null ? null : String(o.lastEventId);
    this.lifecycle = (e) => this.onLifecycle(e.type);
    this.listen(true);
    // Start on a fresh task so listeners added right after connect() see every event.
    this.wait(0, () => this.attempt());
  }

  /** Sends a message to the server: a WebSocket frame, or an HTTP POST on the other transports. */
  send(data: string): boolean {
    if (this.state === 'closed') {
      this.emit('error', pushlineError('send-failed', 'send() after close()', null));
      return false;
    }
    const text = String(data);
    if (this.opened && !this.outbox.length && this.conn && this.conn.send(text)) return true;
    if (this.outbox.length >= this.s.sendQueueSize) {
      this.emit('error', pushlineError('queue-full', 'send queue is full (sendQueueSize ' + this.s.sendQueueSize + ')', this.transport));
      return false;
    }
    this.outbox.push(text);
    this.flush();
    return true;
  }

  /** Stops everything: the connection, timers, pending requests, page listeners. Emits `close` once. */
  close(): void {
    this.stop(null);
  }

  // ---- connection attempts -------------------------------------------------------------

  private attempt(): void {
    this.retryAt = 0;
    const s = this.s;
    if (!s.transports.some((t) => t.supported())) {
      return this.stop(pushlineError('no-transport', 'this browser supports none of: ' + s.transports.map((t) => t.name).join(', '), null));
    }
    // Offline: do not spin; the `online` event starts the next attempt.
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.state = 'reconnecting';
      return;
    }
    if (s.backoff) {
      const t = now();
      while (this.attempts.length && this.attempts[0] <= t - BUDGET_WINDOW) this.attempts.shift();
      if (this.attempts.length >= s.backoff.budget) return this.schedule(this.attempts[0] + BUDGET_WINDOW - t);
      this.attempts.push(t);
    }
    const factory = s.transports[this.index];
    const name = factory.name;
    const id = ++this.attemptId;
    this.state = this.failures ? 'reconnecting' : 'connecting';
    this.session = null;
    this.responded = this.opened = false;
    this.attemptStart = now();
    if (!factory.supported()) {
      return this.fail(pushlineError('unsupported', 'this browser has no ' + name + ' support', name));
    }
    this.wait(s.connectTimeout, () =>
      this.fail(
        this.responded
          ? pushlineError('buffered', name + ' answered but sent nothing within ' + s.connectTimeout + ' ms (buffering proxy?)', name)
          : pushlineError('timeout', name + ' did not answer within ' + s.connectTimeout + ' ms', name),
      ),
    );
    this.resolveOptions(id, () => this.open(id, factory));
  }

  /** Calls the options given as functions (token refresh etc.), waiting for promises. */
  private resolveOptions(id: number, done: () => void): void {
    const s = this.s;
    const keys: (keyof Resolved)[] = ['headers', 'query', 'token'];
    let pending = 1;
    const settle = () => {
      if (--pending === 0 && id === this.attemptId) done();
    };
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      let value: unknown = s[key];
      if (typeof value === 'function') {
        try {
          value = (value as () => unknown)();
        } catch (e) {
          return this.optionFailed(key, e);
        }
      }
      if (value && typeof (value as Thenable<unknown>).then === 'function') {
        pending++;
        (value as Thenable<unknown>).then(
          (v) => {
            (this.dyn as unknown as Record<string, unknown>)[key] = v;
            settle();
          },
          (e) => {
            if (id === this.attemptId) this.optionFailed(key, e);
          },
        );
      } else {
        (this.dyn as unknown as Record<string, unknown>)[key] = value;
      }
    }
    settle();
  }

  private optionFailed(key: string, e: unknown): void {
    const error = pushlineError('options', 'the `' + key + '` option failed: ' + ((e as Error) && (e as Error).message), null);
    this.emit('error', error);
    this.fail(error);
  }

  private open(id: number, factory: TransportFactory): void {
    const self = this;
    const name = factory.name;
    const s = this.s;
    const req: TransportRequest = {
      url: () => self.url(name),
      headers: () => {
        const h: Record<string, string> = {};
        copy(self.dyn.headers, h);
        if (self.dyn.token) h.Authorization = 'Bearer ' + self.dyn.token;
        if (self.cursor !== null) h['Last-Event-ID'] = self.cursor;
        return h;
      },
      withCredentials: s.withCredentials,
      delimiter: s.delimiter,
      maxMessageSize: s.maxMessageSize,
    };
    try {
      this.conn = factory.open(req, {
        responded: () => {
          if (id === self.attemptId) self.responded = true;
        },
        frame: (f) => {
          if (id === self.attemptId) self.onFrame(f, name);
        },
        end: (e) => {
          if (id === self.attemptId) self.fail(e);
        },
      });
    } catch (e) {
      // Constructors throw for URLs the browser refuses (e.g. mixed content, a blocked port).
      this.fail(pushlineError('refused', name + ' could not start: ' + (e as Error).message, name));
    }
  }

  private url(name: TransportName): string {
    const params: { [k: string]: string | null } = {};
    copy(this.dyn.query, params);
    params.lastEventId = this.cursor;
    // WebSocket and EventSource cannot send headers: the token goes in the query there.
    if ((name === 'websocket' || name === 'sse') && this.dyn.token) params.access_token = this.dyn.token;
    if (name === 'longpoll') params.session = this.session;
    if (name === 'streaming' && this.s.delimiter !== DEFAULT_DELIMITER) params.delimiter = this.s.delimiter;
    return withQuery(endpointUrl(this.base, name, this.s.endpoints[name]), params);
  }

  private onFrame(f: Frame | null, name: TransportName): void {
    this.lastSeen = now();
    if (!f) return this.fail(pushlineError('protocol', name + ' delivered data that is not a Pushline frame', name));
    if (f.type === 'open') {
      const asked = this.cursor;
      this.session = f.session;
      if (f.retry !== null) this.serverRetry = f.retry;
      // Before any delivery, or after a gap, the server's newest id is where to resume.
      if (f.gap || this.cursor === null) this.cursor = f.last;
      if (!this.opened) {
        this.opened = true;
        this.openedAt = this.lastSeen;
        this.state = 'open';
        this.transport = name;
        this.roundStart = this.index;
        this.watchHeartbeat();
        this.emit('open', { transport: name, resumed: f.resumed });
      }
      // A listener may have closed the client: check before each further step.
      if (f.gap && this.opened) this.emit('gap', { lastEventId: asked, transport: name });
      this.flush();
    } else if (f.type === 'message') {
      if (!this.opened) return this.fail(pushlineError('protocol', name + ' sent a message before the open frame', name));
      if (this.recentIndex[f.id]) return; // a replayed duplicate
      this.remember(f.id);
      this.cursor = this.lastEventId = f.id;
      this.emit('message', { data: f.data, id: f.id, event: f.event });
    }
  }

  private remember(id: string): void {
    if (this.recent.length >= RECENT_IDS) delete this.recentIndex[this.recent.shift() as string];
    this.recent.push(id);
    this.recentIndex[id] = true;
  }

  /** Liveness by wall-clock time: a throttled or frozen timer cannot make a dead link look alive. */
  private watchHeartbeat(): void {
    const limit = this.s.heartbeatTimeout;
    const silent = now() - this.lastSeen;
    if (silent >= limit) {
      const name = this.s.transports[this.index].name;
      return this.fail(pushlineError('muted', name + ' was silent for ' + silent + ' ms (heartbeatTimeout ' + limit + ')', name));
    }
    this.wait(limit - silent, () => this.watchHeartbeat());
  }

  // ---- the policy: fallback, backoff, give up ----------------------------------------------

  private fail(error: PushlineError): void {
    if (this.state === 'closed') return;
    const s = this.s;
    const name = s.transports[this.index].name;
    const wasOpen = this.opened;
    const elapsed = now() - this.attemptStart;
    this.teardown();
    if (fatal(error)) return this.stop(error);
    if (error.code === 'protocol' || error.code === 'too-large') this.emit('error', error);

    const reason = error.code as FailureClass;
    // The server asked to wait (429/503 + Retry-After), or an option callback failed: not the
    // transport's fault, so retry it after the delay instead of moving down the order.
    const told = error.retryAfter !== undefined || error.status === 429 || error.status === 503 || error.code === 'options';
    let moveOn = !told && (!wasOpen || reason === 'muted');
    if (wasOpen) {
      if (now() - this.openedAt >= STABLE_MS) {
        this.failures = 0;
        this.unstable = 0;
      } else if (++this.unstable >= UNSTABLE_LIMIT) {
        moveOn = true;
      }
    }
    const count = s.transports.length;
    if (moveOn && count > 1) {
      this.unstable = 0;
      this.index = (this.index + 1) % count;
      const roundOver = this.index === this.roundStart;
      this.emit('fallback', {
        attempt: this.failures + 1,
        transport: name,
        reason,
        elapsed,
        next: roundOver ? null : s.transports[this.index].name,
        error,
      });
      if (this.isClosed()) return; // a listener closed the client
      // Within a round the next transport is a different path: try it at once.
      if (!roundOver && !wasOpen) return this.attempt();
      if (wasOpen) this.roundStart = this.index;
    }
    this.retry(error);
  }

  private retry(error: PushlineError): void {
    const b = this.s.backoff;
    this.failures++;
    if (!b) return this.stop(error);
    if (this.failures > b.maxAttempts) {
      return this.stop(pushlineError('exhausted', 'gave up after ' + b.maxAttempts + ' attempts: ' + error.message, error.transport));
    }
    const delay = Math.max(backoffDelay(b, this.failures), error.retryAfter || 0, this.serverRetry);
    this.state = 'reconnecting';
    this.emit('reconnecting', { attempt: this.failures, delay, transport: this.s.transports[this.index].name, error });
    if (!this.isClosed()) this.schedule(delay);
  }

  /** Re-reads the state after emitting: listeners may call close(), which TS cannot see. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private schedule(delay: number): void {
    this.retryAt = now() + delay;
    this.wait(delay, () => this.attempt());
  }

  private teardown(): void {
    this.attemptId++;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.retryAt = 0;
    if (this.conn) this.conn.close();
    this.conn = null;
    if (this.posting) this.posting.abort();
    this.posting = null;
    this.opened = false;
    this.transport = null;
  }

  private stop(error: PushlineError | null): void {
    if (this.state === 'closed') return;
    this.teardown();
    this.listen(false);
    this.state = 'closed';
    if (error) this.emit('error', error);
    this.emit('close', { error });
  }

  private wait(ms: number, fn: () => void): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      fn();
    }, ms);
  }

  // ---- page lifecycle ---------------------------------------------------------------------

  private listen(on: boolean): void {
    if (typeof window === 'undefined' || !window.addEventListener) return;
    const method = on ? 'addEventListener' : 'removeEventListener';
    const names = ['online', 'offline', 'pageshow'];
    for (let i = 0; i < names.length; i++) window[method](names[i], this.lifecycle);
    if (typeof document !== 'undefined') {
      document[method]('visibilitychange', this.lifecycle);
      document[method]('resume', this.lifecycle);
    }
    if (!on && this.pauseTimer !== null) clearTimeout(this.pauseTimer);
  }

  /**
   * After bfcache restore, a freeze, a background tab's throttled timers or the network coming
   * back, timers cannot be trusted: check the wall clock now instead.
   */
  private onLifecycle(type: string): void {
    if (this.state === 'closed') return;
    const hidden = typeof document !== 'undefined' && document.visibilityState === 'hidden';
    if (type === 'offline') return;
    if (type === 'visibilitychange' && this.s.pauseWhenHidden) {
      if (this.pauseTimer !== null) clearTimeout(this.pauseTimer);
      this.pauseTimer = null;
      if (hidden) {
        this.pauseTimer = setTimeout(() => {
          this.pauseTimer = null;
          this.teardown();
          this.state = 'paused';
        }, PAUSE_AFTER);
        return;
      }
    }
    if (hidden) return;
    if (this.state === 'paused') return this.attempt();
    if (this.opened) return this.watchHeartbeat();
    // Waiting to reconnect: go now if the network is back or the wait is over by the clock.
    if (this.state === 'reconnecting' && (type === 'online' || (this.retryAt && now() >= this.retryAt) || (!this.retryAt && !this.timer))) {
      this.attempt();
    }
  }

  // ---- sending ------------------------------------------------------------------------------

  /** Drains the outbox in order: over the WebSocket, or one POST at a time. */
  private flush(): void {
    if (!this.opened || this.posting || !this.conn) return;
    while (this.outbox.length && this.conn.send(this.outbox[0])) this.outbox.shift();
    if (!this.outbox.length) return;
    const s = this.s;
    const url = withQuery(endpointUrl(this.base, 'send', s.endpoints.send), { session: this.session });
    const headers: Record<string, string> = { 'Content-Type': 'text/plain;charset=UTF-8' };
    copy(this.dyn.headers, headers);
    if (this.dyn.token) headers.Authorization = 'Bearer ' + this.dyn.token;
    const name = this.transport;
    this.posting = request({ method: 'POST', url, headers, withCredentials: s.withCredentials, body: this.outbox[0] }, (res) => {
      this.posting = null;
      if (res.status >= 200 && res.status < 300) {
        this.outbox.shift();
        return this.flush();
      }
      // Kept in the outbox: sent again after the next open.
      this.emit('error', pushlineError('send-failed', 'send answered HTTP ' + res.status, name, { status: res.status }));
    });
  }
}

/** Answers that retrying cannot fix: the application must act. */
function fatal(e: PushlineError): boolean {
  const c = e.closeCode;
  return e.status === 401 || e.status === 403 || e.status === 204 || c === 1008 || (c !== undefined && c >= 4000 && c < 5000);
}

function copy(from: { [k: string]: string } | null | undefined, to: { [k: string]: string | null }): void {
  for (const k in from) to[k] = from[k];
}

function now(): number {
  return new Date().getTime();
}
