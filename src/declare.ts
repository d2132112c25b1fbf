/**
 * Declarative set-up for pages that cannot ship their own JavaScript: the script tag that loaded
 * the bundle names the server and the options,
 *
 *   <script src="pushline.min.js" data-url="/realtime" data-transports="sse,longpoll"></script>
 *
 * and the bundle creates the client at once; page code reaches it as `Pushline.client` (null
 * without data-url). It connects on the next task, so a later inline script can still add its
 * listeners.
 */
import type { Client } from './client.js';
import type { ClientOptions } from './types.js';

/**
 * Reads the data-* attributes of the script tag that loaded this bundle: data-url, and any
 * option by its kebab-case name (data-transports="sse,longpoll", data-connect-timeout="5000",
 * data-with-credentials="true", data-reconnect="false", data-remember="true", ...).
 */
export function declared(connect: (url: string, options: ClientOptions) => Client): Client | null {
  const script = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null;
  // dataset names the data-* attributes in camel case (data-connect-timeout: connectTimeout).
  // Every engine with currentScript has it but Firefox 4 and 5, which then get no client.
  const data = script && script.dataset;
  const url = data && data.url;
  if (!data || !url) return null;
  const o: { [option: string]: unknown } = {};
  for (const key in data) {
    if (key === 'url') continue;
    const v = data[key] as string;
    o[key] =
      key === 'transports' ? v.split(/\s*,\s*/)
      : key === 'lastEventId' ? v // ids are opaque strings, even when they look like numbers
      : v === 'true' ? true
      : v === 'false' ? false
      : v !== '' && !isNaN(+v) ? +v
      : v;
  }
  return connect(url, o as ClientOptions);
}
