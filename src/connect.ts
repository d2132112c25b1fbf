/** connect(): transport names to the built-in transports, and the features on offer. */
import { Client, type ClientSettings, type Feature } from './client.js';
import { longpoll } from './transports/longpoll.js';
import { sse } from './transports/sse.js';
import { streaming } from './transports/streaming.js';
import type { TransportFactory } from './transports/transport.js';
import { websocket } from './transports/websocket.js';
import type { ClientOptions, TransportName } from './types.js';

const BUILT_IN: { [K in TransportName]: TransportFactory } = { websocket, sse, streaming, longpoll };
/**
 * The default fallback order. A literal, not Object.keys(BUILT_IN): a call at module level would
 * keep all four transports in every bundle of the package (bundlers cannot tell it is pure).
 */
export const DEFAULT_TRANSPORTS: TransportName[] = ['websocket', 'sse', 'streaming', 'longpoll'];

/** connect() with these optional features on offer: none from the script tag, all from index.ts. */
export function connectWith(url: string, options: ClientOptions | undefined, features: Feature[]): Client {
  const o = options || {};
  const names = o.transports || DEFAULT_TRANSPORTS;
  const transports = names.map((name) => {
    const f = BUILT_IN[name];
    if (!f) throw new TypeError('Pushline: unknown transport "' + name + '"');
    return f;
  });
  const settings = {} as ClientSettings;
  for (const k in o) (settings as unknown as Record<string, unknown>)[k] = (o as Record<string, unknown>)[k];
  settings.transports = transports;
  settings.features = features;
  return new Client(url, settings);
}
