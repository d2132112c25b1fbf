/**
 * The Pushline reference server: the four transports of PROTOCOL.md over one HTTP server, the
 * resume history, fault injection for fallback tests, test controls, and static files.
 *
 *   import { createServer } from 'pushline/server';
 *   const srv = await createServer({ port: 0, static: dir, onMessage: (data, info) => {} });
 *   srv.publish('hello', { event: 'chat' }); srv.block('websocket', 'refuse'); await srv.close();
 *
 * This file holds the public types and createServer(). Where the rest is:
 *   settings.ts  the options checked, defaults applied (shared with the CLI)
 *   server.ts    the HTTP server: routing, the public methods, close()
 *   protocol.ts  endpoint paths, sessions, cursors, open frames and replay (the channel)
 *   live.ts      WebSocket, SSE and streaming subscribers
 *   longpoll.ts  held long polls, answered after a publish or on timeout
 *   frames.ts    frame encoding, the delimiter safety rule
 *   history.ts   the bounded history (pure)
 *   faults.ts    block modes: refuse, hang, buffer; lost messages
 *   controls.ts  the HTTP test controls (/_control/*), off unless asked for
 *   http.ts      response helpers, request bodies, CORS
 *   files.ts     static files
 *   cli.ts       the pushline-server command
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { BlockMode } from './faults.js';
import type { Endpoint, TransportName } from './protocol.js';
import { ReferenceServer } from './server.js';
import { settle } from './settings.js';

export type { BlockMode, Endpoint, TransportName };
export { History } from './history.js';

export interface MessageInfo {
  /** The transport of the sending session; null for a POST /send naming no session the server knows. */
  transport: TransportName | null;
  /** The session id (from the `open` frame); null for a POST /send without one. */
  session: string | null;
  /** The sender's client identity; null for a client of the protocol before acknowledgements. */
  client: string | null;
  /** The message's number within that identity (from 1); null without an identity. */
  seq: number | null;
}

export interface ServerOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to bind. Default '127.0.0.1'. */
  host?: string;
  /**
   * URL path the endpoints are mounted at, e.g. '/realtime': the transports and the send endpoint
   * are then `/realtime/ws`, `/realtime/sse`, … (give clients `srv.endpoint`, or '/realtime' from
   * a page this server serves), and nothing else of the origin changes: static files, mounts and
   * the test controls (`/_control/*`) stay where they are. Default: none, the endpoints are at the
   * origin root and `srv.endpoint` is `srv.url`.
   */
  path?: string;
  /** Folder served as plain files at the origin root ('/' serves index.html). It must exist. */
  static?: string;
  /** More folders, served under URL prefixes, e.g. { '/dist': distFolder }. Checked before `static`. */
  mounts?: Record<string, string>;
  /**
   * Serve the package's browser bundles at the origin root (`/pushline.min.js`,
   * `/pushline.full.min.js`, `/pushline.mjs` and its chunks, their source maps and types: every
   * `pushline*` file of the package's dist/), where the snippets in the documentation load them
   * from. A file of the same name in `static` wins: a page that ships its own copy gets that
   * copy. Default false (the CLI turns it on).
   */
  bundles?: boolean;
  /** Published messages kept for resume. Default 1000. */
  history?: number;
  /**
   * Called with each client-to-server message (WebSocket frame or POST /send): exactly once per
   * message, in the order each client sent them, for clients that name their identity (PROTOCOL.md).
   */
  onMessage?: (data: string, info: MessageInfo) => void | Promise<void>;
  /** Ms of silence after which a live connection gets a ping frame; 0 disables. Default 15000. */
  heartbeat?: number;
  /** Ms a long poll is held before it is answered with a ping (at least 1). Default 25000. */
  pollTimeout?: number;
  /** Streaming delimiter when the client sends none. Default '\n'. */
  delimiter?: string;
  /**
   * Largest request body accepted, in bytes, from 1 to 2^31 − 1 (POST /send, the controls; also
   * the largest WebSocket message). Larger gets 413 (WebSocket: close 1009). Default 1 MiB.
   */
  maxBodySize?: number;
  /**
   * Reconnection time in ms to ask clients for: sent as `retry` in every open frame and as the
   * SSE `retry:` field. Default: none (clients use their own backoff).
   */
  retry?: number;
  /** Origins allowed to connect ('*' for any); default: any, reflected. The server's own origin is always allowed. */
  allowOrigins?: string[];
  /**
   * Decides whether a connection or a send may go on: true, or 401 / 403 (false means 401). The
   * token is the `Authorization: Bearer` header's, else the `access_token` query parameter's.
   * Refused HTTP requests get that status; a WebSocket is accepted and closed with 4401 / 4403
   * (browsers hide a refused handshake's status). Default: everything goes.
   */
  authorize?: (request: AuthorizeRequest) => boolean | 401 | 403;
  /**
   * Serve the HTTP test controls (`POST /_control/publish|drop|block`, `GET /_control/received`,
   * `GET /_control/stats`) for tests and demos in a browser. They are unauthenticated, so they
   * are off by default: their paths then answer 404 like any unknown path. Default false.
   */
  controls?: boolean;
}

/** What `authorize` is asked about. */
export interface AuthorizeRequest {
  endpoint: Endpoint;
  token: string | null;
  headers: IncomingHttpHeaders;
  url: URL;
}

export interface PublishOptions {
  /** Event name; absent (or 'message') means the default event. */
  event?: string;
}

export interface PushlineServer {
  /** The origin, 'http://127.0.0.1:PORT': static files and the test controls are under it. */
  readonly url: string;
  /**
   * The base endpoint to give the client: `url` + the `path` option, e.g.
   * 'http://127.0.0.1:PORT/realtime'; without `path`, the same as `url`.
   */
  readonly endpoint: string;
  readonly port: number;
  /** Publishes to every live subscriber on every transport; returns the new id ("1", "2", …). */
  publish(data: string, opts?: PublishOptions): string;
  /** Abruptly ends every live subscriber connection (no close handshake, sockets destroyed). */
  drop(): void;
  /** Imitates a hostile network for one transport; null lifts the block. */
  block(transport: TransportName, mode: BlockMode | null): void;
  /**
   * Imitates an intermediary that loses messages: the next `count` messages published do not
   * reach the clients of `transport` (a long-poll answer always keeps its last message). They
   * stay in the history, so a client that sees the hole (`prev`) and resumes gets them back.
   */
  lose(transport: TransportName, count: number): void;
  /** Live subscribers per transport (long polls: requests currently held). */
  connections(): Record<TransportName, number>;
  /** Requests received per endpoint since start, refused and blocked ones included (not preflights). */
  readonly stats: Readonly<Record<Endpoint, number>>;
  /** Ends everything, hanging sockets included, without waiting for clients. */
  close(): Promise<void>;
}

/** Creates the reference server and resolves once it listens. */
export async function createServer(options: ServerOptions = {}): Promise<PushlineServer> {
  const server = new ReferenceServer(settle(options));
  await server.listen();
  return server;
}
