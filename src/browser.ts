/**
 * Entry of the script-tag bundle, dist/pushline.min.js: the core API (four transports,
 * fallback, reconnection, resume, the EventSource polyfill) and declarative set-up. The
 * optional features (`shared`, `upgrade`, `remember`) are in dist/pushline.full.min.js
 * (browser-full.ts), so pages that do not use them do not download them.
 */
import { connect, type Client } from './core.js';
import { declared } from './declare.js';

export * from './core.js';

/** The client created from the script tag's data-* attributes, or null. */
export const client: Client | null = declared(connect);
