/**
 * A server profile for nchan (https://nchan.io), the pub/sub module for nginx that scales out
 * over Redis: Pushline's four transports mapped onto nchan's subscriber types, with nchan's own
 * message ids and resume parameter, and failover between several nginx+nchan nodes.
 *
 * ```ts
 * const client = createClient(url, nchan(url, { publishUrl: '/pub/room1' }));
 * // or, with two nodes that share one Redis:
 * const client = connectNchan(['https://a.example/sub/room1', 'https://b.example/sub/room1']);
 * ```
 *
 * | Pushline  | nchan subscriber                            | message id from         | resume            |
 * |-----------|---------------------------------------------|-------------------------|-------------------|
 * | websocket | websocket, subprotocol `ws+meta.nchan`      | `id:` metadata line     | `?last_event_id=` |
 * | sse       | eventsource (native EventSource)            | SSE `id:`               | `?last_event_id=` |
 * | streaming | multipart-mixed (`Accept: multipart/mixed`) | part `Last-Modified`+`Etag` | `?last_event_id=` |
 * | longpoll  | longpoll (multipart batches or one message) | `Last-Modified`+`Etag`  | `?last_event_id=` |
 *
 * nchan does not say when it cannot resume; the profile tells the client `gap` where nchan's ids
 * show it (nchan/resume.ts). docs/nchan.md has the nginx and Redis configuration, what each
 * option is for, when a gap can still go unnoticed, and what else nchan cannot do (carry event
 * names on every transport, accept Pushline's session).
 */
import { Client } from '../client.js';
import { DEFAULT_TRANSPORTS } from '../connect.js';
import { remembering } from '../features/remember.js';
import { sharing } from '../features/sharing.js';
import { upgrading } from '../features/upgrade.js';
import { DEFAULT_CONNECT_TIMEOUT, type ClientSettings } from '../options.js';
import { longpoll } from '../transports/longpoll.js';
import { sse } from '../transports/sse.js';
import { streaming } from '../transports/streaming.js';
import type { TransportFactory } from '../transports/transport.js';
import { websocket } from '../transports/websocket.js';
import type { BuiltInTransport, ClientOptions, EventMap, TransportName } from '../types.js';
import { absoluteUrl } from '../url.js';
import { longpollConnect } from './nchan/longpoll.js';
import { multipartConnect } from './nchan/multipart.js';
import { nodeFactory, type Connect } from './nchan/node.js';
import { RecentMessages } from './nchan/resume.js';
import { sseConnect } from './nchan/sse.js';
import { websocketConnect } from './nchan/websocket.js';

/** One subscriber URL, or one per node (nodes sharing one Redis), in order of preference. */
export type NchanUrls = string | string[];

export interface NchanOptions extends Omit<ClientOptions, 'transports' | 'endpoints' | 'delimiter'> {
  /** Order of transports to try, by name [`['websocket','sse','streaming','longpoll']`]. */
  transports?: TransportName[];
  /**
   * Per-transport subscriber URLs, when a site puts the subscriber types in different
   * locations; each a URL or one per node. Default: the URL(s) given to nchan().
   */
  endpoints?: { websocket?: NchanUrls; sse?: NchanUrls; streaming?: NchanUrls; longpoll?: NchanUrls; [transport: string]: NchanUrls | undefined };
  /**
   * An nchan publisher location (`nchan_publisher`) for the same channel: `client.send(data)`
   * POSTs `data` there. Without it the client has nowhere to send (docs/nchan.md).
   */
  publishUrl?: string;
  /** SSE: event names (`X-EventSource-Event`) to receive besides unnamed messages [[]]. */
  sseEvents?: string[];
  /** SSE: the `nchan_eventsource_ping_event` name, counted as a heartbeat ['ping']. */
  pingEvent?: string;
  /** WebSocket: keep-alive for `nchan_websocket_client_heartbeat <send> <reply>` [none]. */
  websocketHeartbeat?: { send: string; reply: string; interval: number } | null;
  /** WebSocket: the location is `nchan_pubsub`, so send() publishes over the socket [false]. */
  websocketPublish?: boolean;
  /** Long polling: ms a first request must be held without an error to count as open [1000]. */
  pollSettle?: number;
  /**
   * Long polling: ms a request may be held before it is renewed, which counts as a heartbeat
   * [heartbeatTimeout / 2 when heartbeatTimeout is given, else never].
   */
  pollTimeout?: number;
  /** With several nodes: ms a node may take to answer before the next one is tried [min(3000, connectTimeout / nodes)]. */
  nodeTimeout?: number;
}

/** With several nodes, the longest a node may take to answer before the next is tried. */
const MAX_NODE_TIMEOUT = 3000;
const DEFAULT_POLL_SETTLE = 1000;
/** The nchan options that are not client options (nchan() does not pass them on). */
const NCHAN_ONLY: { [option: string]: true } = {
  transports: true,
  endpoints: true,
  publishUrl: true,
  sseEvents: true,
  pingEvent: true,
  websocketHeartbeat: true,
  websocketPublish: true,
  pollSettle: true,
  pollTimeout: true,
  nodeTimeout: true,
};

function list(urls: NchanUrls): string[] {
  const given = typeof urls === 'string' ? [urls] : urls;
  if (!given || !given.length) throw new TypeError('Pushline nchan: no subscriber URL');
  const out: string[] = [];
  for (let i = 0; i < given.length; i++) out.push(absoluteUrl(given[i]));
  return out;
}

/**
 * Client settings for an nchan channel: give them to `createClient(url, settings)` (with the same
 * URL, or the first node's). `url` is the channel's subscriber location on each node.
 */
export function nchan(url: NchanUrls, options?: NchanOptions): ClientSettings {
  const given = options || {};
  const names = given.transports || DEFAULT_TRANSPORTS;
  const endpoints = given.endpoints || {};
  const connectTimeout = given.connectTimeout === undefined ? DEFAULT_CONNECT_TIMEOUT : given.connectTimeout;
  const connectors: { [K in BuiltInTransport]: () => Connect } = {
    websocket: () => websocketConnect({ heartbeat: given.websocketHeartbeat || null, publish: !!given.websocketPublish }),
    sse: () => sseConnect({ events: given.sseEvents || [], pingEvent: given.pingEvent || 'ping' }),
    streaming: () => multipartConnect,
    longpoll: () =>
      longpollConnect({
        settle: given.pollSettle === undefined ? DEFAULT_POLL_SETTLE : given.pollSettle,
        hold: given.pollTimeout !== undefined ? given.pollTimeout : given.heartbeatTimeout !== undefined ? Math.floor(given.heartbeatTimeout / 2) : 0,
      }),
  };
  // What each needs of the browser is what the core transport of the same name needs.
  const core: { [K in BuiltInTransport]: TransportFactory } = { websocket, sse, streaming, longpoll };
  const transports: TransportFactory[] = [];
  // What the client last received, whatever the transport: a resume on any of them checks it.
  const recent = new RecentMessages();
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as BuiltInTransport;
    if (!Object.prototype.hasOwnProperty.call(connectors, name)) throw new TypeError('Pushline: unknown transport "' + name + '"');
    const nodes = list(endpoints[name] || url);
    const nodeTimeout = given.nodeTimeout === undefined ? Math.min(MAX_NODE_TIMEOUT, Math.floor(connectTimeout / nodes.length)) : given.nodeTimeout;
    // Only long-poll batches deliver messages without ids (nchan_longpoll_multipart_response).
    const unnamedMessages = name === 'longpoll';
    transports.push(nodeFactory(name, nodes, core[name].supported, { nodeTimeout, unnamedMessages, recent }, connectors[name]()));
  }

  const settings: ClientSettings = { transports };
  for (const key in given) {
    if (!NCHAN_ONLY[key]) (settings as unknown as Record<string, unknown>)[key] = (given as Record<string, unknown>)[key];
  }
  // Without a publisher there is nowhere to POST: send() says so at once instead of failing on a 404.
  settings.endpoints = { send: given.publishUrl ? absoluteUrl(given.publishUrl) : false };
  // Each stays off unless its option (shared, upgrade, remember) is set.
  settings.features = [sharing, upgrading, remembering];
  // nchan sends nothing between messages unless configured to: no liveness check by default.
  if (given.heartbeatTimeout === undefined) settings.heartbeatTimeout = 0;
  return settings;
}

/** `createClient(url, nchan(url, options))` in one call; with several nodes, on the first. */
export function connectNchan<Events extends EventMap = {}>(url: NchanUrls, options?: NchanOptions): Client<Events> {
  return new Client(typeof url === 'string' ? url : url[0], nchan(url, options));
}
