/**
 * Pushline: one real-time client over WebSocket, Server-Sent Events, streaming Comet or
 * long polling, with fallback, reconnection and last-event-ID resume.
 */
import { Client, type ClientSettings, type Feature } from './client.js';
import { remembering } from './features/remember.js';
import { sharing } from './features/sharing.js';
import { upgrading } from './features/upgrade.js';
import { longpoll } from './transports/longpoll.js';
import { sse } from './transports/sse.js';
import { streaming } from './transports/streaming.js';
import type { TransportFactory } from './transports/transport.js';
import { websocket } from './transports/websocket.js';
import type { ClientOptions, TransportName } from './types.js';

export { Client } from './client.js';
export type { ClientSettings, ClientState, Feature } from './client.js';
export { websocket, sse, streaming, longpoll };
export { sharing, upgrading, remembering };
export type { Transport, TransportEvents, TransportFactory, TransportRequest } from './transports/transport.js';
// The polyfill's own name never shadows the global EventSource in a module that imports it;
// the `EventSource` alias is the fixed contract (Pushline.EventSource) for drop-in use.
export { PushlineEventSource, PushlineEventSource as EventSource, polyfill } from './eventsource.js';
export type { EventSourceInit, PolyfillEvent } from './eventsource.js';
export type * from './types.js';

export const version = '0.1.0';

const BUILT_IN: { [K in TransportName]: TransportFactory } = { websocket, sse, streaming, longpoll };
/** The default fallback order. */
export const DEFAULT_TRANSPORTS: TransportName[] = ['websocket', 'sse', 'streaming', 'longpoll'];

/** Every optional feature: connect() offers them all; each stays off until its option is set. */
export const FEATURES: Feature[] = [sharing, upgrading, remembering];

/** Opens a client on the server's base URL (absolute, or relative to the page). */
export function connect(url: string, options?: ClientOptions): Client {
  const o = options || {};
  const names = o.transports || DEFAULT_TRANSPORTS;
  const transports: TransportFactory[] = [];
  for (let i = 0; i < names.length; i++) {
    const f = BUILT_IN[names[i]];
    if (!f) throw new TypeError('Pushline: unknown transport "' + names[i] + '"');
    transports.push(f);
  }
  const settings = {} as ClientSettings;
  for (const k in o) (settings as unknown as Record<string, unknown>)[k] = (o as Record<string, unknown>)[k];
  settings.transports = transports;
  settings.features = FEATURES;
  return new Client(url, settings);
}

/**
 * Like connect(), with the parts passed in: a bundler then keeps only the transports and
 * features the site uses. `createClient(url, { transports: [websocket, longpoll] })`, and with
 * cross-tab sharing `createClient(url, { transports: [sse], shared: true, features: [sharing] })`.
 */
export function createClient(url: string, options: ClientSettings): Client {
  return new Client(url, options);
}
