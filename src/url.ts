/** URLs: resolving the base URL, deriving endpoints from it, adding query parameters. */
import type { Query } from './transports/transport.js';

/** Where send() POSTs, appended to the base URL (PROTOCOL.md, "Concepts"). */
export const SEND_PATH = '/send';

/** `scheme://host[:port]` of an absolute URL (user info left out). */
const ORIGIN = /^([a-z][a-z\d+.-]*:\/\/)(?:[^/?#]*@)?([^/?#]*)/i;

/**
 * Absolute URL, relative to the page's base URL (as fetch, XHR and the native EventSource resolve
 * it: a <base href>, or the parent's URL in an about:srcdoc frame). Throws a `SyntaxError`
 * DOMException, as `new WebSocket()` and `new EventSource()` do, for a URL that cannot be parsed,
 * and for a host the URL standard refuses but an engine's parser lets through: Chromium
 * percent-encodes the spaces of `http://a b/`, and no valid host keeps a '%'.
 */
export function absoluteUrl(url: string): string {
  const page = (typeof document !== 'undefined' && document.baseURI) || (typeof location !== 'undefined' ? location.href : undefined);
  let parsed: { href: string; hostname: string } | null = null;
  try {
    parsed = new URL(url, page);
  } catch (e) {
    // Engines without a URL constructor (IE 11) resolve through an anchor element.
    if (typeof document !== 'undefined' && typeof URL !== 'function') {
      const anchor = document.createElement('a');
      anchor.href = url;
      if (/^(https?|wss?):/i.test(anchor.href)) parsed = anchor;
    }
  }
  if (parsed && parsed.hostname.indexOf('%') < 0) return parsed.href;
  const message = 'Pushline: invalid URL "' + url + '"';
  let error: Error;
  try {
    error = new DOMException(message, 'SyntaxError');
  } catch (e) {
    error = new Error(message); // IE 11 cannot build a DOMException
    error.name = 'SyntaxError';
  }
  throw error;
}

/** `scheme://host[:port]` of an absolute URL, or '' (data:, blob:). */
export function originOf(url: string): string {
  const match = ORIGIN.exec(url);
  return match ? (match[1] + match[2]).toLowerCase() : '';
}

/**
 * An endpoint: the override when there is one, else the base URL with `path` in place of the
 * path's trailing slashes (the base's query is kept, its hash dropped). Always http(s): the
 * WebSocket transport turns it into ws(s) itself.
 */
export function endpointUrl(base: string, path: string, override?: string): string {
  const url = override ? absoluteUrl(override) : base.split('#')[0].replace(/\/*(\?[\s\S]*)?$/, path + '$1');
  return url.replace(/^ws/i, 'http');
}

/** The same URL with the ws: or wss: scheme. */
export function webSocketUrl(url: string): string {
  return url.replace(/^http/i, 'ws');
}

/** Appends query parameters; null values are left out. */
export function withQuery(url: string, params: Query): string {
  let out = url;
  for (const name in params) {
    const value = params[name];
    if (value === null) continue;
    out += (out.indexOf('?') < 0 ? '?' : '&') + encodeURIComponent(name) + '=' + encodeURIComponent(value);
  }
  return out;
}
