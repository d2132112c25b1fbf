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
 * | longpoll  | longpoll                                    | `Last-Modified`+`Etag`  | `?last_event_id=` |
 *
 * docs/nchan.md has the nginx configuration, what each option is for, and what nchan cannot do
 * (report gaps, carry event names on every transport, accept Pushline's session).
 */
import { Client, type ClientSettings } from '../client.js';
import { remembering } from '../features/remember.js';
import { sharing } from '../features/sharing.js';
import { upgrading } from '../features/upgrade.js';
import type { TransportFactory } from '../transports/transport.js';
import type { ClientOptions, Endpoints, TransportName } from '../types.js';
import { absoluteUrl } from '../url.js';
import { longpollConnect } from './nchan/longpoll.js';
import { multipartConnect } from './nchan/multipart.js';
import { nodeFactory, type Connect } from './nchan/node.js';
import { sseConnect } from './nchan/sse.js';
import { websocketConnect } from './nchan/websocket.js';

/** One subscriber URL, or one per node (nodes sharing one Redis), in order of preference. */
export type NchanUrls = string | string[];

export interface NchanOptions extends Omit<ClientOptions, 'transports' | 'endpoints' | 'delimiter'> {
  /** Order of transports to try [`['websocket','sse','streaming','longpoll']`]. */
  transports?: TransportName[];
  /**
   * Per-transport subscriber URLs, when a site puts the subscriber types in different
   * locations; each a URL or one per node. Default: the URL(s) given to nchan().
   */
  endpoints?: { [K in TransportName]?: NchanUrls };
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

const ALL: TransportName[] = ['websocket', 'sse', 'streaming', 'longpoll'];

function list(urls: NchanUrls): string[] {
  const given = typeof urls === 'string' ? [urls] : urls;
  if (!given || !given.length) throw new TypeError('Pushline nchan: no subscriber URL');
  const out: string[] = [];
  for (let i = 0; i < given.length; i++) out.push(absoluteUrl(given[i]));
  return out;
}

function noQuery(url: string): string {
  return url.split('#')[0].split('?')[0];
}

/**
 * Client settings for an nchan channel: give them to `createClient(url, settings)` (with the same
 * URL, or the first node's). `url` is the channel's subscriber location on each node.
 */
export function nchan(url: NchanUrls, options?: NchanOptions): ClientSettings {
  const o = options || {};
  const names = o.transports || ALL;
  const given = o.endpoints || {};
  const connectTimeout = o.connectTimeout === undefined ? 10000 : o.connectTimeout;
  const connectors: { [K in TransportName]: () => Connect } = {
    websocket: () => websocketConnect({ heartbeat: o.websocketHeartbeat || null, publish: !!o.websocketPublish }),
    sse: () => sseConnect({ events: o.sseEvents || [], pingEvent: o.pingEvent || 'ping' }),
    streaming: () => multipartConnect,
    longpoll: () =>
      longpollConnect({
        settle: o.pollSettle === undefined ? 1000 : o.pollSettle,
        hold: o.pollTimeout !== undefined ? o.pollTimeout : o.heartbeatTimeout !== undefined ? Math.floor(o.heartbeatTimeout / 2) : 0,
      }),
  };
  const supported: { [K in TransportName]: () => boolean } = {
    websocket: () => typeof WebSocket !== 'undefined',
    sse: () => typeof EventSource !== 'undefined',
    streaming: () => typeof XMLHttpRequest !== 'undefined',
    longpoll: () => typeof XMLHttpRequest !== 'undefined',
  };
  const transports: TransportFactory[] = [];
  const endpoints: Endpoints = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (!connectors[name]) throw new TypeError('Pushline: unknown transport "' + name + '"');
    const nodes = list(given[name] || url);
    const nodeTimeout = o.nodeTimeout === undefined ? Math.min(3000, Math.floor(connectTimeout / nodes.length)) : o.nodeTimeout;
    transports.push(nodeFactory(name, nodes, supported[name], { nodeTimeout }, connectors[name]()));
    // The client builds its URL on this (plus the application's query); the adapter keeps only
    // that query and puts it on its own node URL.
    endpoints[name] = noQuery(nodes[0]);
  }
  // Without a publisher there is nowhere to POST: send() says so at once instead of failing on a 404.
  endpoints.send = o.publishUrl ? absoluteUrl(o.publishUrl) : false;

  const settings = {} as ClientSettings;
  const skip: { [k: string]: true } = {
    transports: true, endpoints: true, publishUrl: true, sseEvents: true, pingEvent: true,
    websocketHeartbeat: true, websocketPublish: true, pollSettle: true, pollTimeout: true, nodeTimeout: true,
  };
  for (const k in o) if (!skip[k]) (settings as unknown as Record<string, unknown>)[k] = (o as Record<string, unknown>)[k];
  settings.transports = transports;
  settings.endpoints = endpoints;
  // Each stays off unless its option (shared, upgrade, remember) is set.
  settings.features = [sharing, upgrading, remembering];
  // nchan sends nothing between messages unless configured to: no liveness check by default.
  if (o.heartbeatTimeout === undefined) settings.heartbeatTimeout = 0;
  return settings;
}

/** `createClient(url, nchan(url, options))` in one call; with several nodes, on the first. */
export function connectNchan(url: NchanUrls, options?: NchanOptions): Client {
  return new Client(typeof url === 'string' ? url : url[0], nchan(url, options));
}
