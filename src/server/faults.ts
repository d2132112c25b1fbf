/**
 * Blocking modes: the reference server imitates hostile networks so that the client's fallback
 * can be tested end to end against real sockets.
 *
 * - refuse: answer like a proxy that rejects the transport (502 with an HTML body; for
 *   WebSocket, a raw 502 to the upgrade request).
 * - hang:   accept the TCP connection and never answer. The socket is kept, and destroyed when
 *   the block on its transport is lifted or replaced (the path is back; what stalled on it does
 *   not come back: the client sees a reset) and by close(). Left open, a hung WebSocket keeps
 *   Firefox from opening the next one to the same server: it lets one handshake at a time per
 *   host (RFC 6455, 4.1) and frees the slot only when the connection fails, not on close().
 * - buffer: answer (status and headers go out at once, the WebSocket upgrade completes) but hold
 *   back every body byte / frame until the response ends, like a buffering proxy or antivirus.
 *   It also applies to responses that are already live when the block is set, so an open
 *   stream can "go muted"; lifting the block releases what was held. A long-poll response is
 *   complete when written, so buffering changes nothing for it: that is why clients fall back
 *   to long polling.
 *
 * Blocks apply per transport; the /send endpoint and the test controls are never blocked.
 *
 * - busy:   answer 503 with `Retry-After: 2` (for WebSocket: accept, then close with 4503 and
 *   the wait in the reason, `Retry-After: 2`, since browsers hide the handshake's answer).
 *
 * Besides the blocks, `lose` imitates an intermediary (a proxy, a fan-out layer) that drops
 * messages on their way to the clients of one transport: the next N messages are not written to
 * them, but stay in the history, so a client that notices the hole (each message names the one
 * before it, `prev`) and resumes gets them back.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ignore, rawResponse, send } from './http.js';
import { TRANSPORTS, type TransportName } from './protocol.js';

export type BlockMode = 'refuse' | 'hang' | 'buffer' | 'busy';

export const BLOCK_MODES: readonly BlockMode[] = ['refuse', 'hang', 'buffer', 'busy'];

/** The seconds a 'busy' answer asks the client to wait. */
export const BUSY_RETRY_AFTER = 2;

export const BAD_GATEWAY_HTML = '<html><body><h1>502 Bad Gateway</h1></body></html>';

export class Faults {
  private readonly modes = new Map<TransportName, BlockMode>();
  /** Hung connections and the transport each was for. */
  private readonly hung = new Map<Duplex, TransportName>();
  /** Messages still to lose, per transport. */
  private readonly losses = new Map<TransportName, number>();

  /** The next `count` messages on `transport` go missing on the way to its clients. */
  lose(transport: TransportName, count: number): void {
    if (!TRANSPORTS.includes(transport)) throw new TypeError(`unknown transport: ${String(transport)}`);
    if (!Number.isInteger(count) || count < 0) throw new RangeError('lose(): count must be an integer >= 0');
    this.losses.set(transport, count);
  }

  /** How many of the next `available` messages on `transport` to lose now (and no longer owe). */
  takeLosses(transport: TransportName, available: number): number {
    const owed = this.losses.get(transport) ?? 0;
    const taken = Math.min(owed, available);
    if (taken) this.losses.set(transport, owed - taken);
    return taken;
  }

  mode(transport: TransportName): BlockMode | null {
    return this.modes.get(transport) ?? null;
  }

  set(transport: TransportName, mode: BlockMode | null): void {
    if (!TRANSPORTS.includes(transport)) throw new TypeError(`unknown transport: ${String(transport)}`);
    if (mode !== null && !BLOCK_MODES.includes(mode)) throw new TypeError(`unknown block mode: ${String(mode)}`);
    if (this.modes.get(transport) === 'hang' && mode !== 'hang') this.destroyHung(transport);
    if (mode) this.modes.set(transport, mode);
    else this.modes.delete(transport);
  }

  /** 'refuse' over HTTP: what a proxy answers when it will not carry the request. */
  refuse(res: ServerResponse): void {
    send(res, 502, 'text/html; charset=utf-8', BAD_GATEWAY_HTML);
  }

  /** 'refuse' for a WebSocket upgrade: a plain HTTP 502 instead of 101, then close. */
  refuseUpgrade(socket: Duplex): void {
    rawResponse(socket, 502, 'Bad Gateway', BAD_GATEWAY_HTML, 'text/html; charset=utf-8');
  }

  /** 'busy' over HTTP: 503 with Retry-After, what an overloaded server or gateway answers. */
  busy(res: ServerResponse): void {
    send(res, 503, 'text/plain; charset=utf-8', 'busy, try again later\n', { 'Retry-After': String(BUSY_RETRY_AFTER) });
  }

  /** 'hang': keep the connection open and silent until close() (or the client) ends it. */
  hang(transport: TransportName, socket: Duplex): void {
    this.hung.set(socket, transport);
    socket.on('error', ignore);
    socket.once('close', () => this.hung.delete(socket));
  }

  /** Destroys the hung connections of one transport, or all of them (close()). */
  destroyHung(transport?: TransportName): void {
    for (const [socket, hungFor] of this.hung) {
      if (transport && hungFor !== transport) continue;
      this.hung.delete(socket);
      socket.destroy();
    }
  }
}

/**
 * Writes through, or holds every chunk back while `held()` says the transport is buffered.
 * Chunks stay separate so that a WebSocket can send each held frame as its own message.
 */
export class Valve {
  private queue: string[] = [];

  constructor(
    private readonly held: () => boolean,
    private readonly write: (chunk: string) => void,
  ) {}

  push(chunk: string): void {
    if (this.held()) {
      this.queue.push(chunk);
      return;
    }
    this.release();
    this.write(chunk);
  }

  /** Writes out whatever was held (call when the buffer block is lifted). */
  release(): void {
    if (!this.queue.length || this.held()) return;
    const queue = this.queue;
    this.queue = [];
    for (const chunk of queue) this.write(chunk);
  }
}
