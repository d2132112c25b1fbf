/**
 * The Pushline reference server: the four transports of PROTOCOL.md over one HTTP server, the
 * resume history, fault injection for fallback tests, test controls, and static files.
 *
 *   import { createServer } from 'pushline/server';
 *   const srv = await createServer({ port: 0, static: dir, onMessage: (data, info) => {} });
 *   srv.publish('hello', { event: 'chat' }); srv.block('websocket', 'refuse'); await srv.close();
 *
 * Connections are stateless apart from their session id: a connection resumes from the
 * lastEventId it names, so a client can switch transports freely.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { BLOCK_MODES, Faults, TRANSPORTS, Valve, rawResponse, type BlockMode, type TransportName } from './faults.js';
import { resolveUnder, sendFile } from './files.js';
import { PING, SSE_PRELUDE, delimiterEscaper, messageFrame, openFrame, sseEvent, streamPrelude } from './frames.js';
import { History } from './history.js';

export type { BlockMode, TransportName };
export { History } from './history.js';

/** Request counters are kept per endpoint: the four transports and POST /send. */
export type Endpoint = TransportName | 'send';

export interface MessageInfo {
  /** The transport of the sending session; null for a POST /send naming no session the server knows. */
  transport: TransportName | null;
  /** The session id (from the `open` frame); null for a POST /send without one. */
  session: string | null;
}

export interface ServerOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to bind. Default '127.0.0.1'. */
  host?: string;
  /** Folder served as plain files at the origin root ('/' serves index.html). */
  static?: string;
  /** More folders, served under URL prefixes, e.g. { '/dist': distFolder }. Checked before `static`. */
  mounts?: Record<string, string>;
  /** Published messages kept for resume. Default 1000. */
  history?: number;
  /** Called with each client-to-server message (WebSocket frame or POST /send). */
  onMessage?: (data: string, info: MessageInfo) => void | Promise<void>;
  /** Ms of silence after which a live connection gets a ping frame; 0 disables. Default 15000. */
  heartbeat?: number;
  /** Ms a long poll is held before it is answered with a ping. Default 25000. */
  pollTimeout?: number;
  /** Streaming delimiter when the client sends none. Default '\n'. */
  delimiter?: string;
  /** Largest request body accepted (POST /send, controls); larger gets 413. Default 1 MiB. */
  maxBodySize?: number;
  /**
   * Reconnection time in ms to ask clients for: sent as `retry` in every open frame and as the
   * SSE `retry:` field. Default: none (clients use their own backoff).
   */
  retry?: number;
  /** Origins allowed to connect ('*' for any); default: any, reflected. The server's own origin is always allowed. */
  allowOrigins?: string[];
}

export interface PublishOptions {
  /** Event name; absent (or 'message') means the default event. */
  event?: string;
}

export interface PushlineServer {
  /** 'http://127.0.0.1:PORT': the base endpoint to give the client. */
  readonly url: string;
  readonly port: number;
  /** Publishes to every live subscriber on every transport; returns the new id ("1", "2", …). */
  publish(data: string, opts?: PublishOptions): string;
  /** Abruptly ends every live subscriber connection (no close handshake, sockets destroyed). */
  drop(): void;
  /** Imitates a hostile network for one transport; null lifts the block. */
  block(transport: TransportName, mode: BlockMode | null): void;
  /** Live subscribers per transport (long polls: requests currently held). */
  connections(): Record<TransportName, number>;
  /** Requests received per endpoint since start, refused and blocked ones included (not preflights). */
  readonly stats: Readonly<Record<Endpoint, number>>;
  /** Ends everything, hanging sockets included, without waiting for clients. */
  close(): Promise<void>;
}

/** A published message as kept in the history: its id and its encoded message frame. */
interface Message {
  id: string;
  json: string;
}

/** A long poll (with a session): answered when there is something after its cursor. */
interface PollRequest {
  res: ServerResponse;
  session: string;
  cursor: string;
}

/** A long poll held until a message or the poll timeout. */
interface HeldPoll extends PollRequest {
  timer: NodeJS.Timeout;
}

type LiveTransport = 'websocket' | 'sse' | 'streaming';

/** The options with their defaults applied. */
type Settings = Required<Omit<ServerOptions, 'static' | 'onMessage' | 'allowOrigins' | 'retry'>> & ServerOptions;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SESSIONS_KEPT = 10000; // sessions remembered to tie a POST /send to its transport
const RECEIVED_KEPT = 1000; // client messages kept for GET /_control/received
const noop = () => {};

/**
 * A live websocket, sse or streaming subscriber. Every chunk goes through a Valve (the 'buffer'
 * block), and a heartbeat timer that each write re-arms sends a ping after `heartbeat` ms of
 * silence.
 */
class Live {
  private readonly valve: Valve;
  private readonly timer: NodeJS.Timeout | null = null;
  private ended = false;

  constructor(
    readonly transport: LiveTransport,
    readonly session: string,
    private readonly encode: (json: string, id: string | null) => string,
    write: (chunk: string) => void,
    /** Abrupt end: terminate / destroy the socket. */
    readonly kill: () => void,
    /** Graceful end, for close(): WebSocket close 1001, end of the HTTP response. */
    readonly end: () => void,
    held: () => boolean,
    heartbeat: number,
  ) {
    this.valve = new Valve(held, write);
    if (heartbeat > 0) {
      this.timer = setTimeout(() => this.send(PING, null), heartbeat);
      this.timer.unref();
    }
  }

  /** Bytes that are not a frame (the SSE and streaming preludes). */
  raw(chunk: string): void {
    if (!this.ended) this.valve.push(chunk);
  }

  send(json: string, id: string | null): void {
    if (this.ended) return;
    this.valve.push(this.encode(json, id));
    this.timer?.refresh(); // also re-arms the timer after it fired
  }

  release(): void {
    if (!this.ended) this.valve.release();
  }

  dispose(): void {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

class ReferenceServer implements PushlineServer {
  url = '';
  port = 0;
  readonly stats: Record<Endpoint, number> = { websocket: 0, sse: 0, streaming: 0, longpoll: 0, send: 0 };

  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly history: History<Message>;
  private readonly faults = new Faults();
  private readonly lives = new Set<Live>();
  private readonly polls = new Set<HeldPoll>();
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Map<string, TransportName>();
  private readonly received: { data: string; transport: TransportName | null; session: string | null }[] = [];
  private readonly escapeDefault: (json: string) => string;
  private sessionSeq = 0;
  private pollFlushQueued = false;
  private closing: Promise<void> | null = null;

  constructor(private readonly o: Settings) {
    this.history = new History<Message>(o.history);
    const escape = delimiterEscaper(o.delimiter);
    if (!escape) throw new TypeError(`invalid delimiter: ${JSON.stringify(o.delimiter)} (see PROTOCOL.md, delimiter safety rule)`);
    this.escapeDefault = escape;
    // Not attached to the HTTP server: onUpgrade applies origins and blocks before handing over.
    this.wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: o.maxBodySize });
    this.http = http.createServer({ noDelay: true });
    this.http.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('error', noop);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.http.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.onRequest(req, res).catch((err: unknown) => this.fail(req, res, err));
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.wss.on('error', noop);
    // Methods are handed out detached (const { publish } = srv) by some callers.
    this.publish = this.publish.bind(this);
    this.drop = this.drop.bind(this);
    this.block = this.block.bind(this);
    this.connections = this.connections.bind(this);
    this.close = this.close.bind(this);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.o.port, this.o.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.http.on('error', (err) => console.error('pushline-server:', err));
    const address = this.http.address();
    this.port = typeof address === 'object' && address ? address.port : this.o.port;
    // A wildcard bind is reached through loopback; IPv6 literals need brackets in a URL.
    const host = this.o.host === '0.0.0.0' ? '127.0.0.1' : this.o.host === '::' ? '::1' : this.o.host;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  // ---- public API -----------------------------------------------------------------------------

  publish(data: string, opts?: PublishOptions): string {
    if (typeof data !== 'string') throw new TypeError('publish(data): data must be a string');
    const event = opts?.event;
    if (event !== undefined && typeof event !== 'string') throw new TypeError('publish(): event must be a string');
    const id = this.history.nextId;
    const json = messageFrame(id, data, event);
    this.history.append({ id, json });
    for (const live of this.lives) live.send(json, id);
    this.queuePollFlush();
    return id;
  }

  drop(): void {
    for (const live of this.lives) {
      live.dispose();
      live.kill();
    }
    this.lives.clear();
    for (const poll of this.polls) {
      clearTimeout(poll.timer);
      poll.res.destroy();
    }
    this.polls.clear();
  }

  block(transport: TransportName, mode: BlockMode | null): void {
    this.faults.set(transport, mode);
    // Lifting 'buffer' lets what live connections held go out, as a proxy would at last.
    if (mode !== 'buffer') for (const live of this.lives) if (live.transport === transport) live.release();
  }

  connections(): Record<TransportName, number> {
    const counts: Record<TransportName, number> = { websocket: 0, sse: 0, streaming: 0, longpoll: this.polls.size };
    for (const live of this.lives) counts[live.transport]++;
    return counts;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const poll of this.polls) clearTimeout(poll.timer);
      this.polls.clear();
      for (const live of this.lives) {
        live.dispose();
        live.end(); // best effort: a 1001 close frame or the end of the chunked body
      }
      this.lives.clear();
      this.http.close(() => resolve());
      this.wss.close();
      // Never wait for clients: held polls, streams, hung and idle keep-alive sockets all go now.
      this.faults.destroyHung();
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  // ---- sessions, cursors, open frames ---------------------------------------------------------

  private newSession(transport: TransportName): string {
    const session = 's' + ++this.sessionSeq;
    this.remember(session, transport);
    return session;
  }

  private remember(session: string, transport: TransportName): void {
    this.sessions.set(session, transport);
    if (this.sessions.size > SESSIONS_KEPT) this.sessions.delete(this.sessions.keys().next().value as string);
  }

  /** The open frame and the replay for a connection that asks to resume from `cursor`. */
  private opening(session: string, cursor: string | null, heartbeat: number): { open: string; replay: Message[] } {
    const replay = cursor === null ? [] : this.history.after(cursor);
    const gap = replay === null;
    const open = openFrame({ session, resumed: cursor !== null && !gap, last: this.history.latest, heartbeat, gap, retry: this.o.retry });
    return { open, replay: replay ?? [] };
  }

  /** What clients send: kept for GET /_control/received, handed to onMessage. False if onMessage threw. */
  private deliver(data: string, info: MessageInfo): boolean {
    this.received.push({ data, ...info });
    if (this.received.length > 2 * RECEIVED_KEPT) this.received.splice(0, this.received.length - RECEIVED_KEPT);
    try {
      const result: unknown = this.o.onMessage?.(data, info);
      if (result instanceof Promise) result.catch((err) => console.error('pushline-server: onMessage rejected:', err));
      return true;
    } catch (err) {
      console.error('pushline-server: onMessage threw:', err);
      return false;
    }
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('error', noop);
    res.on('error', noop);
    const url = parseUrl(req.url);
    if (!url) return plain(res, 400, 'bad request URL');
    const endpoint = ENDPOINTS.get(url.pathname);
    if (endpoint && req.method !== 'OPTIONS') this.stats[endpoint]++;

    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin, req.headers.host)) {
      res.setHeader('Vary', 'Origin');
      return plain(res, 403, 'origin not allowed');
    }
    setCors(res, origin);
    if (req.method === 'OPTIONS') return preflight(req, res);

    switch (url.pathname) {
      case '/sse':
      case '/stream':
      case '/poll':
        return this.onTransport(endpoint as Exclude<TransportName, 'websocket'>, req, res, url);
      case '/send':
        return this.onSend(req, res, url);
      case '/ws':
        return plain(res, 426, 'WebSocket upgrade required', { Upgrade: 'websocket' });
    }
    if (url.pathname.startsWith('/_control/')) return this.onControl(req, res, url.pathname.slice('/_control/'.length));
    return this.onStatic(req, res, url);
  }

  private fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (err instanceof HttpError) {
      if (err.status === 413) {
        // Stop reading a body we refuse, and do not keep the connection for another request.
        req.resume();
        return plain(res, 413, err.message, { Connection: 'close' });
      }
      return plain(res, err.status, err.message);
    }
    if (!req.complete && req.destroyed) return; // the client went away while we read its body
    console.error('pushline-server:', err);
    plain(res, 500, 'internal error');
  }

  private originAllowed(origin: string, host: string | undefined): boolean {
    const list = this.o.allowOrigins;
    return !list || list.includes('*') || list.includes(origin) || origin === `http://${host}`;
  }

  private onTransport(transport: Exclude<TransportName, 'websocket'>, req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET') return plain(res, 405, 'GET only', { Allow: 'GET, OPTIONS' });
    const mode = this.faults.mode(transport);
    if (mode === 'refuse') return this.faults.refuse(res);
    if (mode === 'hang') return this.faults.hang(req.socket);
    // The header wins over the query parameter (PROTOCOL.md): it is newer after a native reconnect.
    const header = req.headers['last-event-id'];
    const cursor = (typeof header === 'string' && header) || url.searchParams.get('lastEventId') || null;
    if (transport === 'longpoll') return this.onPoll(res, url, cursor);
    return this.onStream(transport, req, res, url, cursor);
  }

  /** SSE and streaming: one long-held response carrying the open frame, the replay, then live frames. */
  private onStream(transport: 'sse' | 'streaming', req: IncomingMessage, res: ServerResponse, url: URL, cursor: string | null): void {
    let delimiter = this.o.delimiter;
    let escape = this.escapeDefault;
    if (transport === 'streaming') {
      const asked = url.searchParams.get('delimiter');
      if (asked !== null && asked !== delimiter) {
        const e = delimiterEscaper(asked);
        if (!e) return plain(res, 400, 'invalid delimiter (see the delimiter safety rule)');
        [delimiter, escape] = [asked, e];
      }
    }
    const session = this.newSession(transport);
    res.writeHead(
      200,
      transport === 'sse'
        ? { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' }
        : {
            'Content-Type': 'text/plain; charset=utf-8',
            'Cache-Control': 'no-cache, no-transform',
            'X-Accel-Buffering': 'no',
            'X-Content-Type-Options': 'nosniff',
          },
    );
    // Status and headers go out now, even under 'buffer': the client must see an answer.
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const live = new Live(
      transport,
      session,
      transport === 'sse' ? sseEvent : (json) => escape(json) + delimiter,
      (chunk) => res.write(chunk),
      () => res.destroy(),
      () => res.end(),
      () => this.faults.mode(transport) === 'buffer',
      this.o.heartbeat,
    );
    live.raw(transport === 'sse' ? SSE_PRELUDE + (this.o.retry !== undefined ? `retry: ${this.o.retry}\n\n` : '') : streamPrelude(delimiter));
    this.startLive(live, cursor, this.o.heartbeat);
    res.on('close', () => {
      live.dispose();
      this.lives.delete(live);
    });
  }

  /** Sends the open frame and the replay, then subscribes: synchronous, so nothing is missed. */
  private startLive(live: Live, cursor: string | null, heartbeat: number): void {
    const { open, replay } = this.opening(live.session, cursor, heartbeat);
    live.send(open, null);
    for (const m of replay) live.send(m.json, m.id);
    this.lives.add(live);
  }

  /**
   * Long polling. The handshake (no session) is answered at once with [open, ...replay]; from then
   * on the client is open because the history keeps its messages. A poll (session given) is
   * answered as soon as there is anything after its cursor, else held until a publish or the
   * poll timeout. A poll without a cursor comes from a client whose open frame had last: null,
   * so "everything" is what it has not seen: cursor "0".
   */
  private onPoll(res: ServerResponse, url: URL, cursor: string | null): void {
    const session = url.searchParams.get('session');
    if (!session) {
      const { open, replay } = this.opening(this.newSession('longpoll'), cursor, this.o.pollTimeout);
      return answerPoll(res, [open, ...replay.map((m) => m.json)]);
    }
    // Unknown sessions are fine (e.g. after a server restart): a poll is defined by its cursor.
    if (!this.sessions.has(session)) this.remember(session, 'longpoll');
    const ask: PollRequest = { res, session, cursor: cursor ?? '0' };
    if (this.answerIfReady(ask)) return;
    const poll: HeldPoll = {
      ...ask,
      timer: setTimeout(() => {
        this.polls.delete(poll);
        answerPoll(res, [PING]);
      }, this.o.pollTimeout),
    };
    this.polls.add(poll);
    res.on('close', () => {
      clearTimeout(poll.timer);
      this.polls.delete(poll);
    });
  }

  /** Answers a poll if there is something after its cursor, or a gap open frame if the cursor is gone. */
  private answerIfReady(poll: PollRequest): boolean {
    const after = this.history.after(poll.cursor);
    if (after && !after.length) return false;
    const frames = after
      ? after.map((m) => m.json)
      : [openFrame({ session: poll.session, resumed: false, last: this.history.latest, heartbeat: this.o.pollTimeout, gap: true, retry: this.o.retry })];
    answerPoll(poll.res, frames);
    return true;
  }

  /**
   * Held polls are answered in a microtask after a publish, so that messages published together
   * (a loop, a batch control request) leave in one response instead of one per poll round trip.
   */
  private queuePollFlush(): void {
    if (this.pollFlushQueued || !this.polls.size) return;
    this.pollFlushQueued = true;
    queueMicrotask(() => {
      this.pollFlushQueued = false;
      for (const poll of this.polls) {
        if (!this.answerIfReady(poll)) continue;
        clearTimeout(poll.timer);
        this.polls.delete(poll);
      }
    });
  }

  private async onSend(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return plain(res, 405, 'POST only', { Allow: 'POST, OPTIONS' });
    const body = await readBody(req, this.o.maxBodySize);
    if (!body.length) return plain(res, 400, 'missing body');
    const session = url.searchParams.get('session') || null;
    const transport = (session && this.sessions.get(session)) || null;
    if (!this.deliver(body.toString('utf8'), { transport, session })) return plain(res, 500, 'onMessage failed');
    res.writeHead(204).end();
  }

  private async onControl(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const route = `${req.method} ${name}`;
    if (route === 'GET received') return json(res, 200, this.received.slice(-RECEIVED_KEPT));
    if (route === 'GET stats') return json(res, 200, { requests: this.stats, connections: this.connections() });
    if (!['publish', 'drop', 'block'].includes(name)) return plain(res, 404, 'unknown control');
    if (req.method !== 'POST') return plain(res, 405, 'POST only', { Allow: 'POST, OPTIONS' });
    const text = (await readBody(req, this.o.maxBodySize)).toString('utf8');
    if (name === 'drop') {
      this.drop();
      return void res.writeHead(204).end();
    }
    let input: unknown;
    try {
      input = JSON.parse(text || 'null');
    } catch {
      return plain(res, 400, 'body is not JSON');
    }
    if (name === 'publish') {
      // One message {data, event?} → {"id"}, or an array of them → {"ids"}, published together.
      const list = Array.isArray(input) ? input : [input];
      if (!list.every(isPublishable)) return plain(res, 400, 'expected {"data": string, "event"?: string} or an array of them');
      const ids = list.map((m: Publishable) => this.publish(m.data, m.event == null ? {} : { event: m.event }));
      return json(res, 200, Array.isArray(input) ? { ids } : { id: ids[0] });
    }
    const { transport, mode = null } = (isObject(input) ? input : {}) as { transport?: unknown; mode?: unknown };
    if (!TRANSPORTS.includes(transport as TransportName) || (mode !== null && !BLOCK_MODES.includes(mode as BlockMode))) {
      return plain(res, 400, 'expected {"transport": "websocket"|"sse"|"streaming"|"longpoll", "mode": "refuse"|"hang"|"buffer"|null}');
    }
    this.block(transport as TransportName, mode as BlockMode | null);
    res.writeHead(204).end();
  }

  private async onStatic(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 404, 'not found');
    const path = url.pathname;
    let file: string | null = null;
    let matched = false;
    for (const [prefix, dir] of Object.entries(this.o.mounts)) {
      const p = prefix.replace(/\/+$/, '');
      if (path === p || path.startsWith(p + '/')) {
        [file, matched] = [resolveUnder(dir, path.slice(p.length) || '/'), true];
        break;
      }
    }
    if (!matched && this.o.static !== undefined) file = resolveUnder(this.o.static, path);
    if (!file || !(await sendFile(file, req, res))) plain(res, 404, 'not found');
  }

  // ---- WebSocket ------------------------------------------------------------------------------

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', noop);
    const url = parseUrl(req.url);
    if (url?.pathname !== '/ws') return rawResponse(socket, 404, 'Not Found', 'not found\n');
    this.stats.websocket++;
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin, req.headers.host)) {
      return rawResponse(socket, 403, 'Forbidden', 'origin not allowed\n');
    }
    const mode = this.faults.mode('websocket');
    if (mode === 'refuse') return this.faults.refuseUpgrade(socket);
    if (mode === 'hang') return this.faults.hang(socket);
    // ws answers 400 itself to a malformed upgrade request.
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onWebSocket(ws, url));
  }

  private onWebSocket(ws: WebSocket, url: URL): void {
    ws.on('error', noop);
    if (this.closing) return ws.terminate();
    const live = new Live(
      'websocket',
      this.newSession('websocket'),
      (json) => json,
      (chunk) => ws.send(chunk),
      () => ws.terminate(),
      () => ws.close(1001, 'server closing'),
      () => this.faults.mode('websocket') === 'buffer',
      this.o.heartbeat,
    );
    // WebSocket clients cannot set headers: the query parameter is the only cursor.
    this.startLive(live, url.searchParams.get('lastEventId') || null, this.o.heartbeat);
    ws.on('message', (data: RawData) => {
      this.deliver(rawText(data), { transport: 'websocket', session: live.session });
    });
    ws.on('close', () => {
      live.dispose();
      this.lives.delete(live);
    });
  }
}

// ---- helpers ------------------------------------------------------------------------------------

const ENDPOINTS = new Map<string, Endpoint>([
  ['/sse', 'sse'],
  ['/stream', 'streaming'],
  ['/poll', 'longpoll'],
  ['/send', 'send'],
]);

interface Publishable {
  data: string;
  event?: string | null;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isPublishable(x: unknown): x is Publishable {
  return isObject(x) && typeof x.data === 'string' && (x.event == null || typeof x.event === 'string');
}

/** Parses an origin-form request target; null for anything else (absolute-form, '*', garbage). */
function parseUrl(target: string | undefined): URL | null {
  if (!target?.startsWith('/')) return null;
  try {
    return new URL('http://host' + target);
  } catch {
    return null;
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** CORS on every response: reflect the (allowed) origin, with credentials. */
function setCors(res: ServerResponse, origin: string | undefined): void {
  res.setHeader('Vary', 'Origin');
  if (origin === undefined) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  // Lets a cross-origin client read Retry-After for its backoff.
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
}

function preflight(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Vary', 'Origin, Access-Control-Request-Headers');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  const asked = req.headers['access-control-request-headers'];
  if (asked) res.setHeader('Access-Control-Allow-Headers', asked);
  // Chromium's Private Network Access asks this before a public page may reach localhost.
  if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true');
  res.setHeader('Access-Control-Max-Age', '600');
  res.writeHead(204).end();
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.destroy();
  send(res, status, 'text/plain; charset=utf-8', text + '\n', headers);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/** A complete response with a Content-Length: nothing for a proxy or an XHR to wait for. */
function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

/** A long-poll answer: a JSON array of already encoded frames. */
function answerPoll(res: ServerResponse, frames: string[]): void {
  if (res.headersSent || res.destroyed) return;
  send(res, 200, 'application/json; charset=utf-8', '[' + frames.join(',') + ']');
}

/** Reads a request body of at most `limit` bytes (413 beyond, checked before reading when declared). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) return reject(new HttpError(413, 'body too large'));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      reject(new HttpError(413, 'body too large'));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => reject(new Error('request aborted'))); // no-op once settled
  });
}

function positive(name: string, value: number, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw new RangeError(`${name} must be a number ≥ ${min}`);
  return value;
}

/** Creates the reference server and resolves once it listens. */
export async function createServer(options: ServerOptions = {}): Promise<PushlineServer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError('port must be an integer 0–65535');
  const history = options.history ?? 1000;
  if (!Number.isInteger(history) || history < 0) throw new RangeError('history must be an integer ≥ 0');
  if (options.allowOrigins !== undefined && !Array.isArray(options.allowOrigins)) throw new TypeError('allowOrigins must be an array of origins');
  const server = new ReferenceServer({
    ...options,
    port,
    host: options.host ?? '127.0.0.1',
    history,
    mounts: options.mounts ?? {},
    heartbeat: positive('heartbeat', options.heartbeat ?? 15000, 0),
    pollTimeout: positive('pollTimeout', options.pollTimeout ?? 25000, 1),
    delimiter: options.delimiter ?? '\n',
    maxBodySize: positive('maxBodySize', options.maxBodySize ?? 1024 * 1024, 0),
  });
  await server.listen();
  return server;
}
