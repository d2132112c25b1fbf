#!/usr/bin/env node
/**
 * A Pushline origin behind pushpin (https://pushpin.org): the four transports of PROTOCOL.md
 * served through pushpin's GRIP, so that pushpin holds the client connections and fans the
 * messages out, while this origin keeps the history, numbers the messages and answers resumes.
 *
 *   node examples/pushpin/origin.mjs          # origin on 127.0.0.1:8000, a tick every second
 *   pushpin --config examples/pushpin/pushpin.conf
 *   open http://127.0.0.1:7999/               # the legacy example page, through pushpin
 *
 * Each transport (docs/pushpin.md has the why):
 *   websocket  WebSocket-over-HTTP: pushpin POSTs the connection's events to /ws; the answer to
 *              OPEN subscribes it to the channel `<prefix>.ws` and carries the open frame and
 *              the replay.
 *   sse        Grip-Hold: stream on `<prefix>.sse`, a text/event-stream with the JSON envelope.
 *   streaming  Grip-Hold: stream on `<prefix>.stream.<delimiter>`, text/plain, 2 KiB prelude.
 *   longpoll   the handshake answered at once; a poll with nothing to answer is held
 *              (Grip-Hold: response on `<prefix>.poll`), anything else answered at once.
 *   /send      an ordinary POST, proxied by pushpin: 204.
 *
 * With `reliable` (the default) every held response names the id it is at (prev-id) and every
 * published item its id and prev-id, so pushpin notices a hole between the origin and itself and
 * asks the origin to fill it: a stream by its next link (`/sse?grip-next=1`, Grip-Last says
 * from where), a long poll by sending the request again. Every message frame also names its
 * predecessor (`prev`), so a Pushline client notices a hole pushpin could not fill (WebSocket,
 * or anything after pushpin) and resumes from this origin's history.
 *
 * Uses the reference server's pure modules from dist/ (run `npm run build` first): frames.js
 * (encodings), protocol.js (history, sessions, open frames), http.js and files.js (plumbing).
 */
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFiles, sendFile } from '../../dist/server/files.js';
import { PING, SSE_PRELUDE, delimiterEscaper, sseEvent, streamPrelude } from '../../dist/server/frames.js';
import { HttpError, ignore, parseUrl, plain, preflight, readBody, setCors } from '../../dist/server/http.js';
import { Channel, TRANSPORTS, cursorOf, endpointAt } from '../../dist/server/protocol.js';
import {
  Publisher,
  WEBSOCKET_EVENTS,
  channelHeader,
  closeContent,
  controlEvent,
  gripLastIds,
  keepAliveHeader,
  nextLinkHeader,
  parseWebSocketEvents,
  seconds,
  webSocketEvent,
} from './grip.mjs';

export const DEFAULTS = {
  /** TCP port of the origin (0: a free one) and the interface it binds. */
  port: 0,
  host: '127.0.0.1',
  /** pushpin's HTTP publish API (push_in_http_addr:push_in_http_port in pushpin.conf). */
  publishUrl: 'http://127.0.0.1:5561',
  /** Messages kept for resume and recovery. */
  history: 1000,
  /** Ms of silence after which pushpin sends a ping frame on a held stream or WebSocket (whole seconds). */
  heartbeat: 15000,
  /** Ms pushpin holds a long poll with nothing to say (whole seconds, at least 5: pushpin's minimum). */
  pollTimeout: 25000,
  /**
   * Seconds a quiet stream waits before pushpin asks this origin whether it missed something
   * (the Grip-Link timeout; for WebSocket the keep-alive request interval, which pushpin raises
   * to at least 20). It bounds how long a lost *last* message can stay lost.
   */
  recheck: 20,
  /** GRIP reliability: prev-id on channels and published items, next links. */
  reliable: true,
  /** GRIP channel names start with this. */
  prefix: 'pushline',
  /** Largest client message (POST /send body, WebSocket message) in bytes. */
  maxBodySize: 1 << 20,
  /** Called with each client-to-server message. */
  onMessage: null,
  /** URL path the endpoints are mounted at, e.g. '/realtime' (no trailing slash); '' for the root. */
  path: '',
  /** Folder served as plain files at `/`, and folders under URL prefixes (e.g. { '/dist': dir }). */
  static: undefined,
  mounts: {},
  /** Serve the package's bundles at the root (/pushline.min.js, …), for names `static` lacks. */
  bundles: false,
};

/** Query parameter of the next links this origin hands pushpin: a recovery, not a client's request. */
const NEXT_LINK_PARAM = 'grip-next';
/** pushpin sends a WebSocket-over-HTTP keep-alive request at most this often (it raises smaller intervals). */
const WEBSOCKET_KEEP_ALIVE_MIN = 20;
/** Distinct streaming delimiters served at once: each costs one published item per message. */
const MAX_DELIMITERS = 16;
const DEFAULT_DELIMITER = '\n';
/** Client messages kept for `received` (tests and demos). */
const RECEIVED_KEPT = 1000;

const SSE_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' };
const STREAMING_HEADERS = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Content-Type-Options': 'nosniff' };
const POLL_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };

export async function createPushpinOrigin(options = {}) {
  const origin = new PushpinOrigin({ ...DEFAULTS, ...options });
  await origin.listen();
  return origin;
}

class PushpinOrigin {
  constructor(settings) {
    this.settings = settings;
    /** Switchable at run time (tests compare both). */
    this.reliable = settings.reliable;
    this.channel = new Channel(settings.history, undefined);
    this.publisher = new Publisher(settings.publishUrl);
    /** The newest message ({ id, json }), or null before the first. */
    this.newest = null;
    /** Streaming delimiters in use: GRIP channel -> { delimiter, escape }. */
    this.delimiters = new Map();
    /** Messages not to hand pushpin, per transport: the `lose` fault. */
    this.losing = Object.fromEntries(TRANSPORTS.map((t) => [t, 0]));
    /** Open WebSocket-over-HTTP connections: Connection-Id -> { session, upTo: the id it was last brought to }. */
    this.webSockets = new Map();
    this.received = [];
    /** What pushpin asked for, for the figures: next links, long polls sent again, WebSocket checks. */
    this.stats = {
      connections: Object.fromEntries(TRANSPORTS.map((t) => [t, 0])),
      nextLinks: { sse: 0, streaming: 0 },
      refills: { sse: 0, streaming: 0, longpoll: 0, websocket: 0 },
      pollRetries: 0,
      webSocketChecks: 0,
    };
    this.sockets = new Set();
    this.server = http.createServer((req, res) => {
      this.onRequest(req, res).catch((err) => this.fail(req, res, err));
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen() {
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.settings.port, this.settings.host, resolve);
    });
    this.port = this.server.address().port;
    this.url = `http://${this.settings.host}:${this.port}`;
  }

  async close() {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  // ---- publishing -----------------------------------------------------------------------------

  /** The id a connection is at once it has everything published so far ("0": nothing yet). */
  position() {
    return this.newest ? this.newest.id : '0';
  }

  /**
   * Appends a message to the history and hands it to pushpin. Resolves to its id once pushpin
   * has taken it; if pushpin refuses, the message is still in the history and clients get it by
   * a resume (the next message shows them the hole).
   */
  async publish(data, options = {}) {
    const prevId = this.position();
    const message = this.channel.append(data, options.event);
    this.newest = message;
    const items = [];
    for (const transport of TRANSPORTS) {
      if (this.losing[transport] > 0) {
        this.losing[transport]--;
        continue;
      }
      items.push(...this.items(transport, message, prevId));
    }
    await this.publisher.publish(items);
    return message.id;
  }

  /** The next `count` messages do not reach pushpin on `transport` (they stay in the history): a lost publish. */
  lose(transport, count) {
    this.losing[transport] = count;
  }

  /** pushpin publish items for one message on one transport: the same frame, each transport's framing. */
  items(transport, message, prevId) {
    // The id and prev-id let pushpin check the order and notice a hole (reliability).
    const ids = this.reliable ? { id: message.id, 'prev-id': prevId } : {};
    const { json } = message;
    switch (transport) {
      case 'websocket':
        return [{ channel: this.gripChannel('websocket'), ...ids, formats: { 'ws-message': { content: json } } }];
      case 'sse':
        return [{ channel: this.gripChannel('sse'), ...ids, formats: { 'http-stream': { content: sseEvent(json, message.id) } } }];
      case 'longpoll':
        // The response's other headers (Content-Type, CORS) come from the held response.
        return [{ channel: this.gripChannel('longpoll'), ...ids, formats: { 'http-response': { body: '[' + json + ']' } } }];
      case 'streaming':
        return [...this.delimiters].map(([channel, framing]) => ({
          channel,
          ...ids,
          formats: { 'http-stream': { content: framing.escape(json) + framing.delimiter } },
        }));
    }
  }

  /** The GRIP channel of a transport; streaming has one per delimiter, since the bytes differ. */
  gripChannel(transport, delimiter = DEFAULT_DELIMITER) {
    const prefix = this.settings.prefix;
    switch (transport) {
      case 'websocket':
        return `${prefix}.ws`;
      case 'sse':
        return `${prefix}.sse`;
      case 'longpoll':
        return `${prefix}.poll`;
      case 'streaming':
        return `${prefix}.stream.${Buffer.from(delimiter, 'utf8').toString('base64url')}`;
    }
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  async onRequest(req, res) {
    req.on('error', ignore);
    res.on('error', ignore);
    const url = parseUrl(req.url);
    if (!url) return plain(res, 400, 'bad request URL');
    setCors(res, req.headers.origin);
    if (req.method === 'OPTIONS') return preflight(req, res);
    const endpoint = endpointAt(url.pathname, this.settings.path);
    switch (endpoint) {
      case 'websocket':
        return this.onWebSocket(req, res, url);
      case 'sse':
      case 'streaming':
        return this.onStream(endpoint, req, res, url);
      case 'longpoll':
        return this.onPoll(req, res, url);
      case 'send':
        return this.onSend(req, res, url);
    }
    const files = req.method === 'GET' ? findFiles(url.pathname, this.settings) : [];
    for (const file of files) {
      if (await sendFile(file, req, res)) return;
    }
    plain(res, 404, 'not found');
  }

  fail(req, res, err) {
    if (err instanceof HttpError) {
      if (err.status === 413) req.resume();
      return plain(res, err.status, err.message, err.status === 413 ? { Connection: 'close' } : {});
    }
    if (!req.complete && req.destroyed) return; // the client (pushpin) went away while we read
    console.error('pushpin origin:', err);
    plain(res, 500, 'internal error');
  }

  /** The streaming delimiter a request asks for, or null when the delimiter safety rule rejects it. */
  delimiting(url) {
    const delimiter = url.searchParams.get('delimiter') ?? DEFAULT_DELIMITER;
    const channel = this.gripChannel('streaming', delimiter);
    const known = this.delimiters.get(channel);
    if (known) return { channel, ...known };
    const escape = delimiterEscaper(delimiter);
    if (!escape) throw new HttpError(400, 'invalid delimiter (see the delimiter safety rule)');
    if (this.delimiters.size >= MAX_DELIMITERS) throw new HttpError(400, `too many streaming delimiters in use (at most ${MAX_DELIMITERS})`);
    this.delimiters.set(channel, { delimiter, escape });
    return { channel, delimiter, escape };
  }

  /** Everything a held SSE or streaming response needs: its channel, how it frames, where it recovers. */
  streamFraming(transport, url) {
    if (transport === 'sse') return { channel: this.gripChannel('sse'), encode: sseEvent, prelude: SSE_PRELUDE, nextLink: `?${NEXT_LINK_PARAM}=1` };
    const { channel, delimiter, escape } = this.delimiting(url);
    const query = new URLSearchParams({ [NEXT_LINK_PARAM]: '1', delimiter });
    return { channel, encode: (json) => escape(json) + delimiter, prelude: streamPrelude(delimiter), nextLink: `?${query}` };
  }

  /** GRIP instructions for a stream that has been brought to position() and stays subscribed. */
  holdStream(framing) {
    const headers = {
      'Grip-Hold': 'stream',
      'Grip-Channel': channelHeader(framing.channel, this.reliable ? this.position() : null),
      'Grip-Keep-Alive': keepAliveHeader(framing.encode(PING, null), seconds(this.settings.heartbeat)),
    };
    // Relative to the request's URL as pushpin saw it, so it works under any route prefix.
    if (this.reliable) headers['Grip-Link'] = nextLinkHeader(framing.nextLink, this.settings.recheck);
    return headers;
  }

  /** SSE and streaming: the prelude, the open frame and the replay, then pushpin holds the stream. */
  onStream(transport, req, res, url) {
    if (req.method !== 'GET') return plain(res, 405, 'GET only', { Allow: 'GET, OPTIONS' });
    if (url.searchParams.has(NEXT_LINK_PARAM)) return this.onNextLink(transport, req, res, url);
    const framing = this.streamFraming(transport, url);
    this.stats.connections[transport]++;
    const session = this.channel.newSession(transport);
    const { open, replay } = this.channel.opening(session, cursorOf(req, url), seconds(this.settings.heartbeat) * 1000);
    res.writeHead(200, { ...(transport === 'sse' ? SSE_HEADERS : STREAMING_HEADERS), ...this.holdStream(framing) });
    res.end(framing.prelude + framing.encode(open, null) + replay.map((m) => framing.encode(m.json, m.id)).join(''));
  }

  /**
   * pushpin asks what a stream missed: a published item did not follow the stream's last id, or
   * the stream was quiet for `recheck` seconds. Grip-Last names the last id it has; the answer
   * is everything after it, appended to the stream, and the stream is held again. When the
   * history no longer has that id, the stream ends: the client reconnects with its cursor and
   * hears `gap` in the open frame, as any client resuming too late does.
   */
  onNextLink(transport, req, res, url) {
    const framing = this.streamFraming(transport, url);
    this.stats.nextLinks[transport]++;
    const lastId = gripLastIds(req.headers['grip-last']).get(framing.channel);
    const missed = lastId === undefined ? null : this.channel.after(lastId);
    if (!missed) {
      // No Grip-Hold and no Grip-Link: pushpin ends the client's response after this (empty) body.
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return res.end();
    }
    if (missed.length) this.stats.refills[transport]++;
    res.writeHead(200, this.holdStream(framing));
    res.end(missed.map((m) => framing.encode(m.json, m.id)).join(''));
  }

  /**
   * Long polling. The handshake (no session) and any poll with something to say are answered at
   * once, as by the reference server. A poll with nothing after its cursor is held by pushpin on
   * the poll channel; with `reliable`, at the cursor as prev-id: when the item pushpin gets does
   * not follow it (a hole), pushpin sends the poll here again (with Grip-Last), and it is
   * answered from the history.
   */
  onPoll(req, res, url) {
    if (req.method !== 'GET') return plain(res, 405, 'GET only', { Allow: 'GET, OPTIONS' });
    const timeout = seconds(this.settings.pollTimeout);
    const session = url.searchParams.get('session');
    const cursor = cursorOf(req, url);
    const answer = (frames) => {
      res.writeHead(200, POLL_HEADERS);
      res.end('[' + frames.join(',') + ']');
    };
    if (!session) {
      this.stats.connections.longpoll++;
      const { open, replay } = this.channel.opening(this.channel.newSession('longpoll'), cursor, timeout * 1000);
      return answer([open, ...replay.map((m) => m.json)]);
    }
    if (!this.channel.transportOf(session)) this.channel.remember(session, 'longpoll');
    const retried = req.headers['grip-last'] !== undefined;
    if (retried) this.stats.pollRetries++;
    const after = this.channel.after(cursor ?? '0');
    if (!after) return answer([this.channel.gapFrame(session, timeout * 1000)]);
    if (after.length) {
      if (retried) this.stats.refills.longpoll++;
      return answer(after.map((m) => m.json));
    }
    res.writeHead(200, {
      ...POLL_HEADERS,
      'Grip-Hold': 'response',
      'Grip-Channel': channelHeader(this.gripChannel('longpoll'), this.reliable ? this.position() : null),
      'Grip-Timeout': String(timeout),
    });
    res.end('[' + PING + ']'); // the answer when nothing is published for `timeout` seconds
  }

  /**
   * WebSocket-over-HTTP: pushpin holds the client's WebSocket and POSTs its events here; the
   * answer's events go back to the client. The answer to OPEN subscribes the connection to the
   * channel and carries the open frame and the replay.
   *
   * pushpin has no prev-id for WebSocket subscriptions, and it applies the subscription a moment
   * after it reads the answer: a message published in that moment misses the connection. The
   * client's `prev` check finds such a hole at the next message. For a hole with no next
   * message, pushpin's keep-alive requests (`recheck`, at least 20 s) are answered with the
   * newest message when anything was published since the connection was last brought up to
   * date: the client delivers it, drops it as a duplicate, or sees the hole and resumes.
   */
  async onWebSocket(req, res, url) {
    if (req.method !== 'POST' || req.headers['content-type'] !== WEBSOCKET_EVENTS) {
      return plain(res, 400, 'this origin speaks WebSocket-over-HTTP: connect through pushpin (route option over_http)');
    }
    const connectionId = req.headers['connection-id'];
    if (typeof connectionId !== 'string' || !connectionId) return plain(res, 400, 'missing Connection-Id');
    let events;
    try {
      events = parseWebSocketEvents(await readBody(req, this.settings.maxBodySize + 1024));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      return plain(res, 400, err.message);
    }
    const headers = { 'Content-Type': WEBSOCKET_EVENTS };
    const out = [];
    for (const event of events) {
      switch (event.type) {
        case 'OPEN': {
          this.stats.connections.websocket++;
          const session = this.channel.newSession('websocket');
          const { open, replay } = this.channel.opening(session, cursorOf(req, url), seconds(this.settings.heartbeat) * 1000);
          this.webSockets.set(connectionId, { session, upTo: this.position() });
          // GRIP mode for this connection, with no prefix on the origin's own messages.
          headers['Sec-WebSocket-Extensions'] = 'grip; message-prefix=""';
          if (this.reliable) headers['Keep-Alive-Interval'] = String(Math.max(WEBSOCKET_KEEP_ALIVE_MIN, this.settings.recheck));
          out.push(webSocketEvent('OPEN'));
          out.push(controlEvent({ type: 'subscribe', channel: this.gripChannel('websocket') }));
          out.push(controlEvent({ type: 'keep-alive', content: PING, timeout: seconds(this.settings.heartbeat) }));
          out.push(webSocketEvent('TEXT', open));
          for (const m of replay) out.push(webSocketEvent('TEXT', m.json));
          break;
        }
        case 'TEXT':
          if (event.content.length > this.settings.maxBodySize) {
            out.push(webSocketEvent('CLOSE', closeContent(1009, 'message too big')));
            this.webSockets.delete(connectionId);
            break;
          }
          this.deliver(event.content.toString('utf8'), { transport: 'websocket', session: this.webSockets.get(connectionId)?.session ?? null });
          break;
        case 'CLOSE':
          out.push(webSocketEvent('CLOSE', closeContent(1000)));
          this.webSockets.delete(connectionId);
          break;
        case 'DISCONNECT':
          this.webSockets.delete(connectionId);
          break;
        // BINARY, PING, PONG: nothing to do (Pushline sends text; pushpin answers pings itself).
      }
    }
    const connection = this.webSockets.get(connectionId);
    if (!events.length && connection && this.reliable) {
      // A keep-alive request: pushpin has nothing to tell, we may have.
      this.stats.webSocketChecks++;
      if (this.newest && connection.upTo !== this.newest.id) {
        this.stats.refills.websocket++;
        out.push(webSocketEvent('TEXT', this.newest.json));
        connection.upTo = this.newest.id;
      }
    }
    res.writeHead(200, headers);
    res.end(Buffer.concat(out));
  }

  async onSend(req, res, url) {
    if (req.method !== 'POST') return plain(res, 405, 'POST only', { Allow: 'POST, OPTIONS' });
    const body = await readBody(req, this.settings.maxBodySize);
    if (!body.length) return plain(res, 400, 'missing body');
    const session = url.searchParams.get('session') || null;
    this.deliver(body.toString('utf8'), { transport: session ? this.channel.transportOf(session) : null, session });
    res.writeHead(204).end();
  }

  /** A client's message: kept for `received`, handed to onMessage. */
  deliver(data, info) {
    this.received.push({ data, ...info });
    if (this.received.length > RECEIVED_KEPT) this.received.shift();
    try {
      const result = this.settings.onMessage?.(data, info);
      if (result instanceof Promise) result.catch((err) => console.error('pushpin origin: onMessage rejected:', err));
    } catch (err) {
      console.error('pushpin origin: onMessage threw:', err);
    }
  }
}

// ---- command line -----------------------------------------------------------------------------

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const at = args.indexOf('--' + name);
    return at >= 0 ? args[at + 1] : fallback;
  };
  if (args.includes('--help')) {
    console.log(`usage: node examples/pushpin/origin.mjs [--port 8000] [--publish http://127.0.0.1:5561]
       [--tick 1000] [--recheck 20] [--plain]
Serves the legacy example page at /, the bundles beside it and dist/ at /dist/, the endpoints
under /realtime (as the page wants them); publishes a tick every --tick ms
(0: none) and echoes what pages send. --plain: no GRIP reliability. Start pushpin with
examples/pushpin/pushpin.conf (its route points at port 8000) and open http://127.0.0.1:7999/.`);
    process.exit(0);
  }
  const here = fileURLToPath(new URL('.', import.meta.url));
  let origin = null;
  origin = await createPushpinOrigin({
    port: Number(option('port', 8000)),
    publishUrl: option('publish', DEFAULTS.publishUrl),
    recheck: Number(option('recheck', DEFAULTS.recheck)),
    reliable: !args.includes('--plain'),
    // The legacy example page connects to '/realtime' and loads /pushline.min.js.
    path: '/realtime',
    static: path.join(here, '..', 'legacy'),
    mounts: { '/dist': path.join(here, '..', '..', 'dist') },
    bundles: true,
    onMessage: (data, info) => {
      origin.publish(`${info.transport ?? 'a'} client said: ${data}`, { event: 'echo' }).catch((err) => console.error(err.message));
    },
  });
  console.log(`origin on ${origin.url}, publishing to ${origin.settings.publishUrl}${origin.reliable ? '' : ' (no GRIP reliability)'}`);
  const tick = Number(option('tick', 1000));
  let n = 0;
  if (tick > 0) {
    setInterval(() => {
      origin.publish(JSON.stringify({ n: ++n, time: new Date().toISOString() }), { event: 'tick' }).catch((err) => console.error(err.message));
    }, tick);
  }
  const stop = () => origin.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
