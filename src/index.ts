/**
 * Pushline: one real-time client over WebSocket, Server-Sent Events, streaming Comet or
 * long polling, with fallback, reconnection and last-event-ID resume.
 */
import type { Client } from './client.js';
import type { Feature } from './features/host.js';
import { connectWith } from './connect.js';
import { remembering } from './features/remember.js';
import { sharing } from './features/sharing.js';
import { upgrading } from './features/upgrade.js';
import type { ClientOptions, EventMap } from './types.js';

// `connect` below takes the place of core's (a local export wins over `export *`).
export * from './core.js';
export { sharing, upgrading, remembering };

/** Every optional feature: connect() offers them all; each stays off until its option is set. */
export const FEATURES: Feature[] = [sharing, upgrading, remembering];

/**
 * Opens a client on the server's base URL (absolute, or relative to the page). `Events` types
 * the application's events: `connect<{ chat: Chat }>(url, { decode: JSON.parse })`.
 */
export function connect<Events extends EventMap = {}>(url: string, options?: ClientOptions): Client<Events> {
  return connectWith(url, options, FEATURES);
}
