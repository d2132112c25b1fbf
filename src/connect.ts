/** connect(): transport names to the built-in transports, and the features on offer. */
import { Client, type ClientSettings, type Feature } from './client.js';
import { longpoll } from './transports/longpoll.js';
import { sse } from './transports/sse.js';
import { streaming } from './transports/streaming.js';
import type { TransportFactory } from './transports/transport.js';
import { websocket } from './transports/websocket.js';
import type { ClientOptions, TransportName } from './types.js';

const BUILT_IN: { [K in TransportName]: TransportFactory } = { websocket, sse, streaming, longpoll };
/** The default fallback order. */
export const DEFAULT_TRANSPORTS: TransportName[] = ['websocket', 'sse', 'streaming', 'longpoll'];

/** connect() with these optional features on offer: none from the script tag, all from index.ts. */
export function connectWith(url: string, options: ClientOptions | undefined, features: Feature[]): Client {
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
  settings.features = features;
  return new Client(url, settings);
}
