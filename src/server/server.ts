/**
 * The reference server itself: one Node HTTP server whose requests are routed to the transports
 * (live.ts, longpoll.ts), the send endpoint, the test controls (controls.ts) and static files
 * (files.ts); fault injection (faults.ts) sits in front of the transports. createServer() in
 * index.ts checks the options and builds it.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CONTROL_PREFIX, Controls } from './controls.js';
import { BUSY_RETRY_AFTER, Faults, type BlockMode } from './faults.js';
import { findFiles, sendFile } from './files.js';
import { HttpError, ignore, json, originAllowed, parseUrl, plain, preflight, rawResponse, readBody, setCors } from './http.js';
import type { MessageInfo, PublishOptions, PushlineServer } from './index.js';
import { Subscribers, delimiting, httpStreamLive, webSocketLive, type Delimiting, type Live } from './live.js';
import { LongPolls } from './longpoll.js';
import { Channel, cursorOf, endpointAt, type Endpoint, type TransportName } from './protocol.js';
import { ackFrame, identityOf, parseBatch, parseSendFrame, Senders, type ClientMessage } from './sends.js';
import type { Settings } from './settings.js';

export class ReferenceServer implements PushlineServer {
  url = '';
  endpoint = '';
  port = 0;
  readonly stats: Record<Endpoint, number> = { websocket: 0, sse: 0, streaming: 0, longpoll: 0, send: 0 };

  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly channel: Channel;
  private readonly faults = new Faults();
  private readonly lives = new Subscribers();
  private readonly polls: LongPolls;
  /** How far each client identity's messages got: what makes sends exactly once. */
  private readonly senders = new Senders();
  /** Every open TCP connection, so that close() need not wait for any. */
  private readonly sockets = new Set<Socket>();
  /** The HTTP test controls; null unless asked for (they are unauthenticated). */
  private readonly controls: Controls | null;
  private readonly defaultDelimiting: Delimiting;
  private closing: Promise<void> | null = null;

  constructor(private readonly settings: Settings) {
    const fallback = delimiting(settings.delimiter);
    if (!fallback) throw new TypeError(`invalid delimiter: ${JSON.stringify(settings.delimiter)} (see PROTOCOL.md, delimiter safety rule)`);
    this.defaultDelimiting = fallback;
    this.channel = new Channel(settings.history, settings.retry);
    this.polls = new LongPolls(this.channel, settings.pollTimeout, (available) => this.faults.takeLosses('longpoll', available));
    this.controls = settings.controls ? new Controls(this, settings.maxBodySize) : null;
    // Not attached to the HTTP server: onUpgrade applies origins and blocks before handing over.
    this.wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: settings.maxBodySize });
    this.http = http.createServer({ noDelay: true });
    this.http.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('error', ignore);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.http.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.onRequest(req, res).catch((err: unknown) => this.fail(req, res, err));
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.wss.on('error', ignore);
    // Methods are handed out detached (const { publish } = srv) by some callers.
    this.publish = this.publish.bind(this);
    this.drop = this.drop.bind(this);
    this.block = this.block.bind(this);
    this.lose = this.lose.bind(this);
    this.connections = this.connections.bind(this);
    this.close = this.close.bind(this);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.settings.port, this.settings.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.http.on('error', (err) => console.error('pushline-server:', err));
    const address = this.http.address();
    this.port = typeof address === 'object' && address ? address.port : this.settings.port;
    // A wildcard bind is reached through loopback; IPv6 literals need brackets in a URL.
    const host = this.settings.host === '0.0.0.0' ? '127.0.0.1' : this.settings.host === '::' ? '::1' : this.settings.host;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
    this.endpoint = this.url + this.settings.path;
  }

  // ---- public API -----------------------------------------------------------------------------

  publish(data: string, opts?: PublishOptions): string {
    if (typeof data !== 'string') throw new TypeError('publish(data): data must be a string');
    const event = opts?.event;
    if (event !== undefined && typeof event !== 'string') throw new TypeError('publish(): event must be a string');
    const message = this.channel.append(data, event);
    this.lives.publish(message, (transport) => this.faults.takeLosses(transport, 1) > 0);
    this.polls.flushSoon();
    return message.id;
  }

  drop(): void {
    this.lives.drop();
    this.polls.drop();
  }

  lose(transport: TransportName, count: number): void {
    this.faults.lose(transport, count);
  }

  block(transport: TransportName, mode: BlockMode | null): void {
    this.faults.set(transport, mode);
    // Lifting 'buffer' (or replacing it) lets what live connections held go out.
    if (mode !== 'buffer' && transport !== 'longpoll') this.lives.release(transport);
  }

  connections(): Record<TransportName, number> {
    return {
      websocket: this.lives.count('websocket'),
      sse: this.lives.count('sse'),
      streaming: this.lives.count('streaming'),
      longpoll: this.polls.size,
    };
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.polls.close();
      this.lives.close();
      this.http.close(() => resolve());
      this.wss.close();
      // Never wait for clients: held polls, streams, hung and idle keep-alive sockets all go now.
      this.faults.destroyHung();
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  // ---- HTTP routing ---------------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('error', ignore);
    res.on('error', ignore);
    const url = parseUrl(req.url);
    if (!url) return plain(res, 400, 'bad request URL');
    const endpoint = endpointAt(url.pathname, this.settings.path);
    // WebSocket attempts are counted in onUpgrade: a plain GET of its path is not one.
    if (endpoint && endpoint !== 'websocket' && req.method !== 'OPTIONS') this.stats[endpoint]++;

    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(this.settings.allowOrigins, origin, req.headers.host)) {
      res.setHeader('Vary', 'Origin');
      return plain(res, 403, 'origin not allowed');
    }
    setCors(res, origin);
    if (req.method === 'OPTIONS') return preflight(req, res);

    switch (endpoint) {
      case 'sse':
      case 'streaming':
      case 'longpoll':
        return this.onTransport(endpoint, req, res, url);
      case 'send':
        return this.onSend(req, res, url);
      case 'websocket':
        return plain(res, 426, 'WebSocket upgrade required', { Upgrade: 'websocket' });
    }
    // Without controls, their paths are left to the static files like any other path.
    if (this.controls && url.pathname.startsWith(CONTROL_PREFIX)) {
      return this.controls.handle(req, res, url.pathname.slice(CONTROL_PREFIX.length), url.searchParams);
    }
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

  /** SSE, streaming and long polling: the blocks first, then the transport. */
  /** The status that `authorize` refuses a request with, or 0 when it may go on. */
  private refusal(endpoint: Endpoint, req: IncomingMessage, url: URL): 0 | 401 | 403 {
    const authorize = this.settings.authorize;
    if (!authorize) return 0;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization || '');
    const token = bearer ? bearer[1] : url.searchParams.get('access_token');
    const verdict = authorize({ endpoint, token, headers: req.headers, url });
    return verdict === true ? 0 : verdict === 403 ? 403 : 401;
  }

  private onTransport(transport: Exclude<TransportName, 'websocket'>, req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET') return plain(res, 405, 'GET only', { Allow: 'GET, OPTIONS' });
    const mode = this.faults.mode(transport);
    if (mode === 'refuse') return this.faults.refuse(res);
    if (mode === 'hang') return this.faults.hang(transport, req.socket);
    if (mode === 'busy') return this.faults.busy(res);
    const refused = this.refusal(transport, req, url);
    if (refused) return plain(res, refused, 'credentials refused', { 'WWW-Authenticate': 'Bearer' });
    const cursor = cursorOf(req, url);
    if (transport === 'longpoll') return this.polls.handle(res, url.searchParams.get('session'), cursor, this.ackFor(url));
    return this.onStream(transport, req, res, url, cursor);
  }

  /** SSE and streaming: one long-held response carrying the open frame, the replay, then live frames. */
  private onStream(transport: 'sse' | 'streaming', req: IncomingMessage, res: ServerResponse, url: URL, cursor: string | null): void {
    let framing = this.defaultDelimiting;
    const asked = transport === 'streaming' ? url.searchParams.get('delimiter') : null;
    if (asked !== null && asked !== framing.delimiter) {
      const negotiated = delimiting(asked);
      if (!negotiated) return plain(res, 400, 'invalid delimiter (see the delimiter safety rule)');
      framing = negotiated;
    }
    const live = httpStreamLive(req, res, {
      transport,
      session: this.channel.newSession(transport),
      heartbeat: this.settings.heartbeat,
      held: () => this.faults.mode(transport) === 'buffer',
      retry: this.settings.retry,
      delimiting: framing,
    });
    this.startLive(live, cursor, url);
    res.on('close', () => this.lives.remove(live));
  }

  /** Sends the open frame and the replay, then subscribes. */
  private startLive(live: Live, cursor: string | null, url: URL): void {
    this.lives.start(live, this.channel.opening(live.session, cursor, this.settings.heartbeat, this.ackFor(url)));
  }

  /** For a connection that names a client identity, how far that client's messages got. */
  private ackFor(url: URL): number | undefined {
    const client = identityOf(url);
    return client === null ? undefined : this.senders.lastSeq(client);
  }

  /**
   * POST {base}/send. With `client` in the query, the body is a batch (PROTOCOL.md) and the
   * answer acknowledges it: 200 {"acks":{client: seq}}. Without, the body is one message of a
   * client of the protocol before acknowledgements: 204.
   */
  private async onSend(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return plain(res, 405, 'POST only', { Allow: 'POST, OPTIONS' });
    const refused = this.refusal('send', req, url);
    if (refused) {
      req.resume(); // the body is not read
      return plain(res, refused, 'credentials refused', { 'WWW-Authenticate': 'Bearer' });
    }
    const body = await readBody(req, this.settings.maxBodySize);
    if (!body.length) return plain(res, 400, 'missing body');
    const session = url.searchParams.get('session') || null;
    const transport = session ? this.channel.transportOf(session) : null;
    const client = identityOf(url);
    if (client === null) {
      if (!this.deliver(body.toString('utf8'), { transport, session, client: null, seq: null })) return plain(res, 500, 'onMessage failed');
      return void res.writeHead(204).end();
    }
    const messages = parseBatch(body.toString('utf8'), client);
    if (!messages) return plain(res, 400, 'expected a batch: [{"seq": integer >= 1, "data": string, "client"?: string}, ...]');
    const acks: Record<string, number> = {};
    for (const sender of this.receive(messages, transport, session)) acks[sender] = this.senders.lastSeq(sender);
    json(res, 200, { acks });
  }

  /** Hands each new message to the application, once; returns the identities the messages came from. */
  private receive(messages: ClientMessage[], transport: TransportName | null, session: string | null): Set<string> {
    const senders = new Set<string>();
    for (const message of messages) {
      senders.add(message.client);
      if (this.senders.accept(message.client, message.seq)) {
        this.deliver(message.data, { transport, session, client: message.client, seq: message.seq });
      }
    }
    return senders;
  }

  /**
   * What clients send: kept for the controls, handed to onMessage. False if onMessage threw (a
   * message with a client identity counts as handed over all the same: exactly once means once).
   */
  private deliver(data: string, info: MessageInfo): boolean {
    this.controls?.record(data, info);
    try {
      const result: unknown = this.settings.onMessage?.(data, info);
      if (result instanceof Promise) result.catch((err) => console.error('pushline-server: onMessage rejected:', err));
      return true;
    } catch (err) {
      console.error('pushline-server: onMessage threw:', err);
      return false;
    }
  }

  private async onStatic(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 404, 'not found');
    for (const file of findFiles(url.pathname, this.settings)) {
      if (await sendFile(file, req, res)) return;
    }
    plain(res, 404, 'not found');
  }

  // ---- WebSocket ------------------------------------------------------------------------------

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', ignore);
    const url = parseUrl(req.url);
    if (!url || endpointAt(url.pathname, this.settings.path) !== 'websocket') return rawResponse(socket, 404, 'Not Found', 'not found\n');
    this.stats.websocket++;
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(this.settings.allowOrigins, origin, req.headers.host)) {
      return rawResponse(socket, 403, 'Forbidden', 'origin not allowed\n');
    }
    const mode = this.faults.mode('websocket');
    if (mode === 'refuse') return this.faults.refuseUpgrade(socket);
    if (mode === 'hang') return this.faults.hang('websocket', socket);
    // Browsers hide a refused handshake's status: a busy or unauthorized server accepts the
    // socket and says why in its close code (PROTOCOL.md).
    const refused = this.refusal('websocket', req, url);
    // ws answers 400 itself to a malformed upgrade request.
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', ignore);
      if (mode === 'busy') return ws.close(BUSY_CLOSE_CODE, 'Retry-After: ' + BUSY_RETRY_AFTER);
      if (refused) return ws.close(refused === 403 ? FORBIDDEN_CLOSE_CODE : UNAUTHORIZED_CLOSE_CODE, 'credentials refused');
      this.onWebSocket(ws, url);
    });
  }

  /** Acknowledges, over the socket, everything of these identities the server has. */
  private acknowledge(live: Live, senders: Set<string>): void {
    for (const sender of senders) live.send(ackFrame(sender, this.senders.lastSeq(sender)), null);
    senders.clear();
  }

  private onWebSocket(ws: WebSocket, url: URL): void {
    ws.on('error', ignore);
    if (this.closing) return ws.terminate();
    const live = webSocketLive(ws, {
      session: this.channel.newSession('websocket'),
      heartbeat: this.settings.heartbeat,
      held: () => this.faults.mode('websocket') === 'buffer',
    });
    // WebSocket clients cannot set headers: the query parameter is the only cursor.
    this.startLive(live, url.searchParams.get('lastEventId') || null, url);
    const client = identityOf(url);
    if (client === null) {
      // A client of the protocol before acknowledgements: each frame is one message, verbatim.
      ws.on('message', (data: RawData) => this.deliver(rawText(data), { transport: 'websocket', session: live.session, client: null, seq: null }));
    } else {
      // Acknowledgements go out once per burst of frames, one per identity seen in it.
      const unacknowledged = new Set<string>();
      ws.on('message', (data: RawData) => {
        const message = parseSendFrame(rawText(data), client);
        if (!message) return ws.close(POLICY_VIOLATION, 'not a send frame');
        if (!unacknowledged.size) setImmediate(() => this.acknowledge(live, unacknowledged));
        for (const sender of this.receive([message], 'websocket', live.session)) unacknowledged.add(sender);
      });
    }
    ws.on('close', () => this.lives.remove(live));
  }
}

/** WebSocket close code 1008: the client broke the protocol (the client stops on it). */
const POLICY_VIOLATION = 1008;
/** WebSocket close code for busy, as HTTP's 503 (the reason says how long); not 1013, which WebKit turns into 1006. */
const BUSY_CLOSE_CODE = 4503;
/** WebSocket close codes for refused credentials, as HTTP's 401 and 403 (PROTOCOL.md). */
const UNAUTHORIZED_CLOSE_CODE = 4401;
const FORBIDDEN_CLOSE_CODE = 4403;

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
