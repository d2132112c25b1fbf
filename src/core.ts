/**
 * Everything of the public API except the optional features: the client, the four transports,
 * the EventSource polyfill. The script-tag bundle (browser.ts) is built from this alone, so it
 * stays small; index.ts adds the features for ESM users and connect() there offers them all.
 */
import { Client } from './client.js';
import { connectWith } from './connect.js';
import type { ClientSettings } from './options.js';
import type { ClientOptions, EventMap } from './types.js';

export { Client } from './client.js';
export type { ClientSettings } from './options.js';
export type { ClientState, Feature, TabRole } from './features/host.js';
export { websocket } from './transports/websocket.js';
export { sse } from './transports/sse.js';
export { streaming } from './transports/streaming.js';
export { longpoll } from './transports/longpoll.js';
export { DEFAULT_TRANSPORTS } from './connect.js';
export type { Transport, TransportEvents, TransportFactory, TransportRequest } from './transports/transport.js';
// The polyfill's own name never shadows the global EventSource in a module that imports it;
// the `EventSource` alias is the fixed contract (Pushline.EventSource) for drop-in use.
export { PushlineEventSource, PushlineEventSource as EventSource, polyfill } from './eventsource.js';
export type { EventSourceInit, PolyfillEvent } from './eventsource.js';
export type * from './types.js';
export type { SendCallback } from './outbox.js';

export const version = '0.1.0';

/**
 * Opens a client on the server's base URL (absolute, or relative to the page). `Events` types
 * the application's events: `connect<{ chat: Chat }>(url, { decode: JSON.parse })`.
 */
export function connect<Events extends EventMap = {}>(url: string, options?: ClientOptions): Client<Events> {
  return connectWith(url, options, []);
}

/**
 * Like connect(), with the parts passed in: a bundler then keeps only the transports and
 * features the site uses. `createClient(url, { transports: [websocket, longpoll] })`, and with
 * cross-tab sharing `createClient(url, { transports: [sse], shared: true, features: [sharing] })`.
 */
export function createClient<Events extends EventMap = {}>(url: string, options: ClientSettings): Client<Events> {
  return new Client(url, options);
}
