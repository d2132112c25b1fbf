/**
 * The Client: one connection at a time over the best transport that works, and the whole
 * policy in one place — fallback order, reconnection with backoff, liveness, resume from the
 * last event id, duplicate suppression and the send queue. Transports only move frames.
 */
import { backoffDelay, DEFAULT_BACKOFF, type Backoff } from './backoff.js';
import { Emitter } from './emitter.js';
import { pushlineError } from './errors.js';
import { request } from './io/xhr.js';
import type { Frame } from './parse/frame.js';
import { longpoll } from './transports/longpoll.js';
import { sse } from './transports/sse.js';
import { streaming } from './transports/streaming.js';
import type { Transport, TransportFactory, TransportRequest } from './transports/transport.js';
import { websocket } from './transports/websocket.js';
import type {
  ClientEvents,
  ClientOptions,
  Endpoints,
  FailureClass,
  PushlineError,
  TransportName,
} from './types.js';
import { absoluteUrl, endpointUrl, withQuery } from './url.js';

const FACTORIES: { [K in TransportName]: TransportFactory } = { websocket, sse, streaming, longpoll };
export const DEFAULT_TRANSPORTS: TransportName[] = ['websocket', 'sse', 'streaming', 'longpoll'];
const DEFAULT_DELIMITER = '\n';
/** A connection open this long counts as stable: the backoff starts again from the beginning. */
const STABLE_MS = 5000;
/** Unstable connections in a row on one transport before moving down the order. */
const UNSTABLE_LIMIT = 3;
/** How many recent message ids are remembered to drop a replayed duplicate. */
const RECENT_IDS = 128;

export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

interface Settings {
  transports: TransportName[];
  endpoints: Endpoints;
  connectTimeout: number;
  heartbeatTimeout: number;
  backoff: Backoff | null;
  withCredentials: boolean;
  headers: Record<string, string>;
  delimiter: string;
  maxMessageSize: number;
  sendQueueSize: number;
}

function pick<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

function settings(o: ClientOptions): Settings {
  const r = o.reconnect;
  let backoff: Backoff | null = null;
  if (r !== false) {
    const given = r || {};
    backoff = {
      initialDelay: pick(given.initialDelay, DEFAULT_BACKOFF.initialDelay),
      maxDelay: pick(given.maxDelay, DEFAULT_BACKOFF.maxDelay),
      factor: pick(given.factor, DEFAULT_BACKOFF.factor),
      jitter: pick(given.jitter, DEFAULT_BACKOFF.jitter),
      maxAttempts: pick(given.maxAttempts, DEFAULT_BACKOFF.maxAttempts),
    };
  }
  const transports = o.transports || DEFAULT_TRANSPORTS;
  for (let i = 0; i < transports.length; i++) {
    if (!FACTORIES[transports[i]]) throw new TypeError('Pushline: unknown transport "' + transports[i] + '"');
  }
  if (!transports.length) throw new TypeError('Pushline: `transports` is empty');
  return {
    transports,
    endpoints: o.endpoints || {},
    connectTimeout: pick(o.connectTimeout, 10000),
    heartbeatTimeout: pick(o.heartbeatTimeout, 45000),
    backoff,
    withCredentials: !!o.withCredentials,
    headers: o.headers || {},
    delimiter: o.delimiter || DEFAULT_DELIMITER,
    maxMessageSize: pick(o.maxMessageSize, 1048576),
    sendQueueSize: pick(o.sendQueueSize, 100),
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
  /** First index of the current round of fallbacks; a round ends when it comes back here. */
  private roundStart = 0;
  private conn: Transport | null = null;
  /** Incremented per attempt; callbacks of an older attempt are ignored. */
  private attemptId = 0;
  private attemptStart = 0;
  private responded = false;
  private opened = false;
  private openedAt = 0;
  private lastSeen = 0;
  /** Failed attempts since the last stable connection: drives backoff and maxAttempts. */
  private failures = 0;
  /** Unstable connections in a row on the current transport. */
  private unstable = 0;
  /** Where to resume: the last delivered id, or the server's `last` id before any delivery. */
  private cursor: string | null;
  private session: string | null = null;
  private recent: string[] = [];
  private recentIndex: { [id: string]: true } = {};
  private outbox: string[] = [];
  private posting: { abort(): void } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(url: string, options?: ClientOptions) {
    super();
    const o = options || {};
    this.s = settings(o);
    this.base = absoluteUrl(url);
    this.lastEventId = this.cursor = o.lastEventId == null ? null : String(o.lastEventId);
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

  /** Stops everything: the connection, timers, pending requests. Emits `close` once. */
  close(): void {
    this.stop(null);
  }

  // ---- connection attempts -------------------------------------------------------------

  private attempt(): void {
    if (!this.s.transports.some((t) => FACTORIES[t].supported())) {
      return this.stop(pushlineError('no-transport', 'this browser supports none of: ' + this.s.transports.join(', '), null));
    }
    const name = this.s.transports[this.index];
    const factory = FACTORIES[name];
    const id = ++this.attemptId;
    this.state = this.failures ? 'reconnecting' : 'connecting';
    this.session = null;
    this.responded = this.opened = false;
    this.attemptStart = now();
    if (!factory.supported()) {
      return this.fail(pushlineError('unsupported', 'this browser has no ' + name + ' support', name));
    }
    const self = this;
    const s = this.s;
    const req: TransportRequest = {
      url: () => this.url(name),
      headers: () => {
        const h: Record<string, string> = {};
        for (const k in s.headers) h[k] = s.headers[k];
        if (self.cursor !== null) h['Last-Event-ID'] = self.cursor;
        return h;
      },
      withCredentials: s.withCredentials,
      delimiter: s.delimiter,
      maxMessageSize: s.maxMessageSize,
    };
    this.wait(s.connectTimeout, () =>
      this.fail(
        this.responded
          ? pushlineError('buffered', name + ' answered but sent nothing within ' + s.connectTimeout + ' ms (buffering proxy?)', name)
          : pushlineError('timeout', name + ' did not answer within ' + s.connectTimeout + ' ms', name),
      ),
    );
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
      // Constructors throw for URLs the browser refuses (e.g. mixed content, bad port).
      this.fail(pushlineError('refused', name + ' could not start: ' + (e as Error).message, name));
    }
  }

  private url(name: TransportName): string {
    const params: { [k: string]: string | null } = { lastEventId: this.cursor };
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
      // Before any delivery, or after a gap, the server's newest id is where to resume.
      if (f.gap || this.cursor === null) this.cursor = f.last;
      if (!this.opened) {
        this.opened = true;
        this.openedAt = this.lastSeen;
        this.state = 'open';
        this.transport = name;
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
      const name = this.s.transports[this.index];
      return this.fail(pushlineError('muted', name + ' was silent for ' + silent + ' ms (heartbeatTimeout ' + limit + ')', name));
    }
    this.wait(limit - silent, () => this.watchHeartbeat());
  }

  // ---- the policy: fallback, backoff, give up ----------------------------------------------

  private fail(error: PushlineError): void {
    if (this.state === 'closed') return;
    const name = this.s.transports[this.index];
    const wasOpen = this.opened;
    const elapsed = now() - this.attemptStart;
    this.teardown();
    if (fatal(error)) return this.stop(error);
    if (error.code === 'protocol' || error.code === 'too-large') this.emit('error', error);

    const reason = error.code as FailureClass;
    let moveOn = !wasOpen || reason === 'muted';
    if (wasOpen) {
      if (now() - this.openedAt >= STABLE_MS) {
        this.failures = 0;
        this.unstable = 0;
      } else if (++this.unstable >= UNSTABLE_LIMIT) {
        moveOn = true;
      }
    }
    const count = this.s.transports.length;
    if (moveOn && count > 1) {
      this.unstable = 0;
      this.index = (this.index + 1) % count;
      const roundOver = this.index === this.roundStart;
      this.emit('fallback', {
        attempt: this.failures + 1,
        transport: name,
        reason,
        elapsed,
        next: roundOver ? null : this.s.transports[this.index],
        error,
      });
      // Within a round the next transport is a different path: try it at once.
      if (!roundOver && !wasOpen) return this.attempt();
      this.roundStart = this.index;
    }
    if (wasOpen) this.roundStart = this.index;
    this.retry(error);
  }

  private retry(error: PushlineError): void {
    const b = this.s.backoff;
    this.failures++;
    if (!b) return this.stop(error);
    if (this.failures > b.maxAttempts) {
      return this.stop(pushlineError('exhausted', 'gave up after ' + b.maxAttempts + ' attempts: ' + error.message, error.transport));
    }
    const delay = backoffDelay(b, this.failures);
    this.state = 'reconnecting';
    this.emit('reconnecting', { attempt: this.failures, delay, transport: this.s.transports[this.index], error });
    this.wait(delay, () => this.attempt());
  }

  private teardown(): void {
    this.attemptId++;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
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

  // ---- sending ------------------------------------------------------------------------------

  /** Drains the outbox in order: over the WebSocket, or one POST at a time. */
  private flush(): void {
    if (!this.opened || this.posting || !this.conn) return;
    while (this.outbox.length && this.conn.send(this.outbox[0])) this.outbox.shift();
    if (!this.outbox.length) return;
    const s = this.s;
    const url = withQuery(endpointUrl(this.base, 'send', s.endpoints.send), { session: this.session });
    const headers: Record<string, string> = { 'Content-Type': 'text/plain;charset=UTF-8' };
    for (const k in s.headers) headers[k] = s.headers[k];
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

function now(): number {
  return new Date().getTime();
}
