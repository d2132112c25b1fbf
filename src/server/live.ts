/**
 * Live subscribers: the transports that hold one connection open and push frames down it
 * (WebSocket, SSE, streaming). Each connection is a Live; the server keeps them in Subscribers,
 * which publishes to them all. Long polls are not live: see longpoll.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { Valve } from './faults.js';
import { PING, SSE_PRELUDE, delimiterEscaper, sseEvent, streamPrelude } from './frames.js';
import type { Message, Opening, TransportName } from './protocol.js';

export type LiveTransport = Exclude<TransportName, 'longpoll'>;
const LIVE_TRANSPORTS: readonly LiveTransport[] = ['websocket', 'sse', 'streaming'];

export interface LiveOptions {
  transport: LiveTransport;
  session: string;
  /** Turns an encoded frame (and its message id, null for other frames) into this transport's bytes. */
  encode: (json: string, id: string | null) => string;
  /** Puts bytes on the wire. */
  write: (chunk: string) => void;
  /** Abrupt end: terminate / destroy the socket. */
  kill: () => void;
  /** Graceful end, for close(): WebSocket close 1001, end of the HTTP response. */
  end: () => void;
  /** True while the transport is blocked with 'buffer': bytes are held back, not written. */
  held: () => boolean;
  /** Ms of silence after which a ping frame is sent; 0: never. */
  heartbeat: number;
}

/**
 * One live connection. Every chunk goes through a Valve (the 'buffer' block), and a heartbeat
 * timer that each frame re-arms sends a ping after `heartbeat` ms of silence.
 */
export class Live {
  readonly transport: LiveTransport;
  readonly session: string;
  /** Abrupt end (drop). */
  readonly kill: () => void;
  /** Graceful end (close). */
  readonly end: () => void;
  private readonly encode: (json: string, id: string | null) => string;
  private readonly valve: Valve;
  private readonly timer: NodeJS.Timeout | null = null;
  private ended = false;

  constructor(options: LiveOptions) {
    this.transport = options.transport;
    this.session = options.session;
    this.kill = options.kill;
    this.end = options.end;
    this.encode = options.encode;
    this.valve = new Valve(options.held, options.write);
    if (options.heartbeat > 0) {
      this.timer = setTimeout(() => this.send(PING, null), options.heartbeat);
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

  /** Writes out what a 'buffer' block held back, once the block is lifted. */
  release(): void {
    if (!this.ended) this.valve.release();
  }

  /** Stops writing and the heartbeat; the connection itself is ended by kill() or end(). */
  dispose(): void {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

/** Every live connection, to publish to them all, count them, drop or close them. */
export class Subscribers {
  private readonly lives = new Set<Live>();

  /** Sends the open frame and the replay, then subscribes: synchronous, so no publish falls in between. */
  start(live: Live, opening: Opening): void {
    live.send(opening.open, null);
    for (const m of opening.replay) live.send(m.json, m.id);
    this.lives.add(live);
  }

  /** For a connection that ended by itself. */
  remove(live: Live): void {
    live.dispose();
    this.lives.delete(live);
  }

  /** Writes a message to every connection, but to none of a transport for which `lost(transport)` says so. */
  publish(message: Message, lost: (transport: LiveTransport) => boolean): void {
    const losing = new Set<LiveTransport>();
    for (const transport of LIVE_TRANSPORTS) if (this.count(transport) && lost(transport)) losing.add(transport);
    for (const live of this.lives) if (!losing.has(live.transport)) live.send(message.json, message.id);
  }

  /** Lets what a 'buffer' block held on `transport` go out, as a proxy would at last. */
  release(transport: LiveTransport): void {
    for (const live of this.lives) if (live.transport === transport) live.release();
  }

  count(transport: LiveTransport): number {
    let n = 0;
    for (const live of this.lives) if (live.transport === transport) n++;
    return n;
  }

  /** Abruptly ends every connection: no close handshake, sockets destroyed. */
  drop(): void {
    for (const live of this.lives) {
      live.dispose();
      live.kill();
    }
    this.lives.clear();
  }

  /** Ends every connection politely, for close(): best effort, the sockets are destroyed next. */
  close(): void {
    for (const live of this.lives) {
      live.dispose();
      live.end(); // a 1001 close frame or the end of the chunked body
    }
    this.lives.clear();
  }
}

/** A streaming delimiter and the escaping that keeps it out of the frames (PROTOCOL.md, delimiter safety rule). */
export interface Delimiting {
  delimiter: string;
  escape: (json: string) => string;
}

/** The delimiting for `delimiter`, or null when the delimiter safety rule rejects it. */
export function delimiting(delimiter: string): Delimiting | null {
  const escape = delimiterEscaper(delimiter);
  return escape ? { delimiter, escape } : null;
}

export interface HttpStreamOptions {
  transport: 'sse' | 'streaming';
  session: string;
  heartbeat: number;
  held: () => boolean;
  /** SSE only: the reconnection time to send as the `retry:` field. */
  retry: number | undefined;
  /** Streaming only: the delimiter negotiated for this response. */
  delimiting: Delimiting;
}

const SSE_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' };
const STREAMING_HEADERS = {
  'Content-Type': 'text/plain; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  // Without it some engines sniff the first bytes before handing any to the page.
  'X-Content-Type-Options': 'nosniff',
};

/**
 * Answers an SSE or streaming request with a long-held response and its prelude; frames then go
 * through the returned Live.
 */
export function httpStreamLive(req: IncomingMessage, res: ServerResponse, options: HttpStreamOptions): Live {
  const sse = options.transport === 'sse';
  res.writeHead(200, sse ? SSE_HEADERS : STREAMING_HEADERS);
  // Status and headers go out now, even under 'buffer': the client must see an answer.
  res.flushHeaders();
  req.socket.setNoDelay(true);
  const { delimiter, escape } = options.delimiting;
  const live = new Live({
    transport: options.transport,
    session: options.session,
    encode: sse ? sseEvent : (json) => escape(json) + delimiter,
    write: (chunk) => res.write(chunk),
    kill: () => res.destroy(),
    end: () => res.end(),
    held: options.held,
    heartbeat: options.heartbeat,
  });
  live.raw(sse ? SSE_PRELUDE + (options.retry !== undefined ? `retry: ${options.retry}\n\n` : '') : streamPrelude(delimiter));
  return live;
}

/** A Live over an open WebSocket: one frame per message. */
export function webSocketLive(ws: WebSocket, options: { session: string; heartbeat: number; held: () => boolean }): Live {
  return new Live({
    transport: 'websocket',
    session: options.session,
    encode: (json) => json,
    write: (chunk) => ws.send(chunk),
    kill: () => ws.terminate(),
    end: () => ws.close(1001, 'server closing'),
    held: options.held,
    heartbeat: options.heartbeat,
  });
}
