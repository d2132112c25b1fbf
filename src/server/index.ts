/**
 * The Pushline reference server: the four transports of PROTOCOL.md over one HTTP server, the
 * resume history, fault injection for fallback tests, test controls, and static files.
 *
 *   import { createServer } from 'pushline/server';
 *   const srv = await createServer({ port: 0, static: dir, onMessage: (data, info) => {} });
 *   srv.publish('hello', { event: 'chat' }); srv.block('websocket', 'refuse'); await srv.close();
 *
 * This file holds the public types and createServer(), which checks the options. Where the rest is:
 *   server.ts    the HTTP server: routing, the public methods, close()
 *   protocol.ts  endpoint paths, sessions, cursors, open frames and replay (the channel)
 *   live.ts      WebSocket, SSE and streaming subscribers
 *   longpoll.ts  held long polls, answered after a publish or on timeout
 *   frames.ts    frame encoding, the delimiter safety rule
 *   history.ts   the bounded history (pure)
 *   faults.ts    block modes: refuse, hang, buffer
 *   controls.ts  the HTTP test controls (/_control/*)
 *   http.ts      response helpers, request bodies, CORS
 *   files.ts     static files
 *   cli.ts       the pushline-server command
 */
import type { BlockMode } from './faults.js';
import type { Endpoint, TransportName } from './protocol.js';
import { ReferenceServer } from './server.js';

export type { BlockMode, Endpoint, TransportName };
export { History } from './history.js';

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
