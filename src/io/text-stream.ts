/**
 * Reads a long-held HTTP response as decoded text, piece by piece, as it arrives.
 * fetch + ReadableStream + TextDecoder where the browser has all three; otherwise
 * XMLHttpRequest's progress events, reading only the new part of the growing responseText.
 * Shared by the streaming and sse transports and the EventSource polyfill.
 */
import { header, openXhr } from './xhr.js';

/**
 * Characters after which a transport ends an XHR-read stream and resumes on a fresh request:
 * responseText keeps the whole body for as long as the request lives.
 */
export const XHR_RESPONSE_LIMIT = 4 << 20;

export interface TextStreamOptions {
  url: string;
  headers: Record<string, string>;
  withCredentials: boolean;
  /** GET when absent; POST for streams opened by a request with a body (LLM-style endpoints). */
  method?: 'GET' | 'POST';
  body?: string;
  /**
   * XHR path only: end the response after this many characters. XHR keeps the whole body in
   * responseText for as long as the request lives; ending it lets the caller resume on a fresh
   * request instead of holding an ever-growing string.
   */
  xhrLimit?: number;
}

export interface TextStreamHandlers {
  /** Status and headers arrived. Return false to abort (wrong status or content type). */
  response(status: number, contentType: string, retryAfter: string | null, finalUrl: string): boolean;
  chunk(text: string): void;
  /** The response ended; `failed` when it ended by a network error rather than normally. */
  end(failed: boolean): void;
}

export interface TextStream {
  abort(): void;
}

export function fetchStreamingSupported(): boolean {
  return (
    typeof fetch === 'function' &&
    typeof ReadableStream === 'function' &&
    typeof TextDecoder === 'function' &&
    typeof AbortController === 'function'
  );
}

export function openTextStream(opts: TextStreamOptions, h: TextStreamHandlers): TextStream {
  return fetchStreamingSupported() ? viaFetch(opts, h) : viaXhr(opts, h);
}

function viaFetch(opts: TextStreamOptions, h: TextStreamHandlers): TextStream {
  const ctrl = new AbortController();
  let live = true;
  const abort = () => {
    live = false;
    ctrl.abort();
  };
  const fail = () => {
    if (live) {
      live = false;
      h.end(true);
    }
  };
  fetch(opts.url, {
    method: opts.method || 'GET',
    body: opts.body,
    headers: opts.headers,
    credentials: opts.withCredentials ? 'include' : 'same-origin',
    cache: 'no-store',
    signal: ctrl.signal,
  }).then((res) => {
    if (!live) return;
    const ok = h.response(res.status, res.headers.get('Content-Type') || '', res.headers.get('Retry-After'), res.url || opts.url);
    if (!ok || !res.body) {
      abort();
      if (ok) h.end(false);
      return;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const pump = (): void => {
      reader.read().then((r) => {
        if (!live) return;
        if (r.done) {
          // The decoder is not flushed: what it holds is the start of a character cut off by the
          // end, which could only end as U+FFFD inside a line or frame that is incomplete anyway.
          live = false;
          h.end(false);
          return;
        }
        h.chunk(decoder.decode(r.value, { stream: true }));
        if (live) pump();
      }, fail);
    };
    pump();
  }, fail);
  return { abort };
}

function viaXhr(opts: TextStreamOptions, h: TextStreamHandlers): TextStream {
  const xhr = openXhr(opts.method || 'GET', opts);
  let seen = 0;
  let live = true;
  let answered = false;
  // Every handler checks `live`: nothing is reported after an abort or the end.
  const abort = () => {
    if (!live) return;
    live = false;
    xhr.abort();
  };
  const read = () => {
    // Only the new suffix is handed on, so total work stays linear in the response size.
    const text = xhr.responseText;
    if (live && text.length > seen) {
      const piece = text.slice(seen);
      seen = text.length;
      h.chunk(piece);
      if (live && opts.xhrLimit && seen > opts.xhrLimit) {
        abort();
        h.end(false);
      }
    }
  };
  xhr.onreadystatechange = () => {
    if (!live) return;
    const state = xhr.readyState;
    if (state >= 2 && !answered && xhr.status) {
      answered = true;
      // Refused: abort, unless the handler already did.
      if (!h.response(xhr.status, header(xhr, 'Content-Type') || '', header(xhr, 'Retry-After'), xhr.responseURL || opts.url)) {
        return abort();
      }
    }
    if (state >= 3 && answered) read();
    if (state === 4) {
      live = false;
      h.end(!answered);
    }
  };
  xhr.onprogress = () => {
    if (answered) read();
  };
  xhr.send(opts.body === undefined ? null : opts.body);
  return { abort };
}
