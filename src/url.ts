import type { TransportName } from './types.js';

/** Path appended to the base URL for each endpoint (PROTOCOL.md, "Concepts"). */
export const ENDPOINT_PATHS: { [K in TransportName | 'send']: string } = {
  websocket: '/ws',
  sse: '/sse',
  streaming: '/stream',
  longpoll: '/poll',
  send: '/send',
};

/**
 * Absolute URL, relative to the page's base URL (as fetch, XHR and the native EventSource resolve
 * it: a <base href>, or the parent's URL in an about:srcdoc frame). Throws SyntaxError for a URL
 * that cannot be parsed.
 */
export function absoluteUrl(url: string): string {
  const page = (typeof document !== 'undefined' && document.baseURI) || (typeof location !== 'undefined' ? location.href : undefined);
  try {
    return new URL(url, page).href;
  } catch (e) {
    // Engines without a URL constructor (IE 11) resolve through an anchor element.
    if (typeof document !== 'undefined' && typeof URL !== 'function') {
      const a = document.createElement('a');
      a.href = url;
      if (/^(https?|wss?):\/\//i.test(a.href)) return a.href;
    }
    const error = new Error('Pushline: invalid URL "' + url + '"');
    error.name = 'SyntaxError';
    throw error;
  }
}

/** Endpoint of one transport: `{base path}{suffix}?{base query}`, with ws: for the WebSocket. */
export function endpointUrl(base: string, name: TransportName | 'send', override?: string): string {
  let url = override ? absoluteUrl(override) : '';
  // The suffix replaces the path's trailing slashes; the query ($1) is kept, the hash dropped.
  if (!url) url = base.split('#')[0].replace(/\/*(\?[\s\S]*)?$/, ENDPOINT_PATHS[name] + '$1');
  if (name === 'websocket') return url.replace(/^http/i, 'ws');
  return url.replace(/^ws/i, 'http');
}

/** Appends query parameters; null values are left out. */
export function withQuery(url: string, params: { [name: string]: string | null }): string {
  let out = url;
  for (const name in params) {
    const v = params[name];
    if (v === null) continue;
    out += (out.indexOf('?') < 0 ? '?' : '&') + encodeURIComponent(name) + '=' + encodeURIComponent(v);
  }
  return out;
}
