/**
 * Pushline: one real-time client over WebSocket, Server-Sent Events, streaming Comet or
 * long polling, with fallback, reconnection and last-event-ID resume.
 */
import { Client } from './client.js';
import type { ClientOptions } from './types.js';

export { Client, DEFAULT_TRANSPORTS } from './client.js';
export type { ClientState } from './client.js';
// The polyfill's own name never shadows the global EventSource in a module that imports it;
// the `EventSource` alias is the fixed contract (Pushline.EventSource) for drop-in use.
export { PushlineEventSource, PushlineEventSource as EventSource, polyfill } from './eventsource.js';
export type { EventSourceInit, PolyfillEvent } from './eventsource.js';
export type * from './types.js';

export const version = '0.1.0';

/** Opens a client on the server's base URL (absolute, or relative to the page). */
export function connect(url: string, options?: ClientOptions): Client {
  return new Client(url, options);
}
