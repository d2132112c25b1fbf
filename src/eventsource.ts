/**
 * An EventSource that behaves like the native one (WHATWG HTML, "Server-sent events"), for
 * engines that lack it or lack its features. Built on the shared streaming reader
 * (io/text-stream.ts: fetch streams, else XHR progress) and the one SSE parser (parse/sse.ts).
 */
import { report } from './emitter.js';
import { openTextStream, type TextStream } from './io/text-stream.js';
import { createSseParser } from './parse/sse.js';
import { absoluteUrl, withQuery } from './url.js';

export interface EventSourceInit {
  /** Send cookies and HTTP auth to a cross-origin server (as the native option). */
  withCredentials?: boolean;
  /** Extra: request headers, e.g. Authorization. Off by default (the native one has none). */
  headers?: Record<string, string>;
  /** Extra: reconnect when nothing (not even a comment) arrives for this many ms. Off by default. */
  heartbeatTimeout?: number;
  /** Extra: also send the last event id as this query parameter, for proxies that strip headers. */
  lastEventIdQueryParameter?: string;
}

/** The event objects handed to listeners: a MessageEvent where the engine can build one. */
export interface PolyfillEvent {
  type: string;
  data?: string;
  origin?: string;
  lastEventId?: string;
  target?: unknown;
}

type Listener = ((e: PolyfillEvent) => void) | { handleEvent(e: PolyfillEvent): void };
interface Entry {
  fn: Listener;
  once: boolean;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
const DEFAULT_RETRY = 3000;
const EVENT_STREAM = /^text\/event-stream\s*(;|$)/i;

export class PushlineEventSource {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSED = CLOSED;

  // `declare`d fields get no initialiser (the ES5 bundle would set each to undefined first):
  // they are set in the constructor, or start out undefined on purpose.
  declare readonly url: string;
  declare readonly withCredentials: boolean;
  declare readyState: number;
  declare onopen: ((e: PolyfillEvent) => void) | null;
  declare onmessage: ((e: PolyfillEvent) => void) | null;
  declare onerror: ((e: PolyfillEvent) => void) | null;

  declare private _init: EventSourceInit;
  private _listeners: { [type: string]: Entry[] } = {};
  declare private _stream?: TextStream;
  private _retry = DEFAULT_RETRY;
  private _lastEventId = '';
  declare private _timer?: ReturnType<typeof setTimeout> | null;

  constructor(url: string, init?: EventSourceInit) {
    this.readyState = CONNECTING;
    this.onopen = this.onmessage = this.onerror = null;
    this._init = init || {};
    this.withCredentials = !!this._init.withCredentials;
    this.url = absoluteUrl(String(url)); // throws a SyntaxError, as the native constructor does
    this._connect();
  }

  close(): void {
    this.readyState = CLOSED;
    this._end(CLOSED);
  }

  addEventListener(type: string, fn: Listener | null, options?: boolean | { once?: boolean }): void {
    if (!fn) return;
    const key = '$' + type; // never an Object.prototype name such as 'constructor'
    const list = this._listeners[key] || (this._listeners[key] = []);
    for (let i = 0; i < list.length; i++) if (list[i].fn === fn) return;
    list.push({ fn, once: !!(options && typeof options === 'object' && options.once) });
  }

  removeEventListener(type: string, fn: Listener | null): void {
    const list = this._listeners['$' + type];
    if (list) this._listeners['$' + type] = list.filter((l) => l.fn !== fn);
  }

  dispatchEvent(event: PolyfillEvent): boolean {
    const own = { value: this, configurable: true };
    try {
      Object.defineProperty(event, 'target', own);
      Object.defineProperty(event, 'currentTarget', own);
    } catch (e) {
      event.target = this;
    }
    const handler = (this as unknown as { [k: string]: unknown })['on' + event.type];
    if (typeof handler === 'function') report(handler as (e: PolyfillEvent) => void, event, this);
    const list = this._listeners['$' + event.type];
    if (list) {
      for (let i = 0; i < list.length; i++) {
        const entry = list[i];
        if (entry.once) this.removeEventListener(event.type, entry.fn);
        const fn = entry.fn;
        if (typeof fn === 'function') report(fn, event, this);
        else report(fn.handleEvent, event, fn);
      }
    }
    return true;
  }

  private _connect(): void {
    const init = this._init;
    const id = this._lastEventId;
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    const query: Record<string, string> = {};
    for (const k in init.headers) headers[k] = init.headers[k];
    if (id) {
      headers['Last-Event-ID'] = id;
      if (init.lastEventIdQueryParameter) query[init.lastEventIdQueryParameter] = id;
    }
    let origin = '';
    // A fresh parser per connection: nothing of a cut-off event or line carries over.
    const parser = createSseParser(
      {
        event: (e) => {
          if (this.readyState === OPEN) this.dispatchEvent(makeEvent({ type: e.type, data: e.data, origin, lastEventId: e.lastEventId }));
        },
        retry: (ms) => {
          this._retry = ms;
        },
      },
      id,
    );
    this._stream = openTextStream(
      { url: withQuery(this.url, query), headers, withCredentials: this.withCredentials },
      {
        response: (status, contentType, _retryAfter, finalUrl) => {
          if (status !== 200 || !EVENT_STREAM.test(contentType)) {
            // "Fail the connection": no reconnection after a bad status or content type (204 too).
            this._end(CLOSED);
            return false;
          }
          const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]+)/i.exec(finalUrl);
          origin = m ? m[1] : '';
          this.readyState = OPEN;
          this._alive();
          this.dispatchEvent(makeEvent({ type: 'open' }));
          return true;
        },
        chunk: (text) => {
          this._alive();
          parser.push(text);
          // Read after the whole chunk (the id of the last dispatch, even of an id-only event
          // that reached no listener); only the next connection reads it.
          this._lastEventId = parser.lastEventId;
        },
        end: () => {
          this._end(CONNECTING);
        },
      },
    );
  }

  /** Restarted by every piece of the stream: reestablishes after heartbeatTimeout ms of silence. */
  private _alive(): void {
    const limit = this._init.heartbeatTimeout;
    if (!limit) return;
    clearTimeout(this._timer!); // a no-op for undefined and null
    this._timer = setTimeout(() => this._end(CONNECTING), limit);
  }

  /**
   * Ends the request and any timer. Then, unless already closed, moves to `state` and fires
   * `error`: CLOSED "fails the connection"; CONNECTING "reestablishes" it after the retry time.
   */
  private _end(state: number): void {
    clearTimeout(this._timer!);
    this._timer = null;
    if (this._stream) this._stream.abort();
    this._stream = undefined;
    if (this.readyState === CLOSED) return;
    this.readyState = state;
    this.dispatchEvent(makeEvent({ type: 'error' }));
    // Not when a listener closed it meanwhile.
    if (this.readyState === CONNECTING) {
      this._timer = setTimeout(() => {
        this._timer = null;
        this._connect();
      }, this._retry);
    }
  }
}

/**
 * A DOM Event (MessageEvent when `init` has data) where the engine can build one, else `init`
 * itself. The MessageEvent constructor ignores the `type` member of its init dictionary.
 */
function makeEvent(init: PolyfillEvent): PolyfillEvent {
  try {
    return ('data' in init ? new MessageEvent(init.type, init) : new Event(init.type)) as unknown as PolyfillEvent;
  } catch (e) {
    return init;
  }
}

/**
 * Installs the polyfill as `window.EventSource` only where the browser has none.
 * Returns true when it installed it.
 */
export function polyfill(): boolean {
  const g = typeof window !== 'undefined' && (window as unknown as { EventSource?: unknown });
  if (!g || g.EventSource !== undefined) return false;
  g.EventSource = PushlineEventSource;
  return true;
}
