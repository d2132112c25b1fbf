/** connect(): transport names to the built-in transports, and the features on offer. */
import { Client } from './client.js';
import type { Feature } from './features/host.js';
import type { ClientSettings } from './options.js';
import { longpoll } from './transports/longpoll.js';
import { sse } from './transports/sse.js';
import { streaming } from './transports/streaming.js';
import type { TransportFactory } from './transports/transport.js';
import { websocket } from './transports/websocket.js';
import type { BuiltInTransport, ClientOptions, EventMap, TransportName } from './types.js';

/** The registration of the built-in transports: a new one is its file plus a line here. */
const BUILT_IN: { [K in BuiltInTransport]: TransportFactory } = { websocket, sse, streaming, longpoll };
/**
 * The default fallback order. A literal, not Object.keys(BUILT_IN): a call at module level would
 * keep all four transports in every bundle of the package (bundlers cannot tell it is pure).
 */
export const DEFAULT_TRANSPORTS: BuiltInTransport[] = ['websocket', 'sse', 'streaming', 'longpoll'];

/** The built-in transports of these names, in this order; a TypeError for a name it does not know. */
export function transportsNamed(names: TransportName[]): TransportFactory[] {
  return names.map((name) => {
    if (!Object.prototype.hasOwnProperty.call(BUILT_IN, name)) throw new TypeError('Pushline: unknown transport "' + name + '"');
    return BUILT_IN[name as BuiltInTransport];
  });
}

/** connect() with these optional features on offer: none from the script tag, all from index.ts. */
export function connectWith<Events extends EventMap>(url: string, options: ClientOptions | undefined, features: Feature[]): Client<Events> {
  const given = options || {};
  // Copied by a loop, not `{ ...given }`: Babel lowers object spread to a helper that the script
  // tag would carry for this one line.
  const settings = {} as ClientSettings;
  copyOptions(given, settings);
  settings.transports = transportsNamed(given.transports || DEFAULT_TRANSPORTS);
  settings.features = features;
  return new Client(url, settings);
}

/** Copies each own and inherited enumerable option, as object spread would copy the own ones. */
function copyOptions(from: object, to: object): void {
  for (const key in from) (to as Record<string, unknown>)[key] = (from as Record<string, unknown>)[key];
}
