/**
 * Entry of dist/pushline.full.min.js: the script-tag bundle with every optional feature
 * (cross-tab sharing, upgrade back to WebSocket, remembered transport), i.e. all of index.ts,
 * plus declarative set-up.
 */
import { connect, type Client } from './index.js';
import { declared } from './declare.js';

export * from './index.js';

/** The client created from the script tag's data-* attributes, or null. */
export const client: Client | null = declared(connect);
