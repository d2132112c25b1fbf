/**
 * An EventSource that behaves like the native one (WHATWG HTML, "Server-sent events"), for
 * engines that lack it or lack its features. Built on the shared streaming reader
 * (io/text-stream.ts: fetch streams, else XHR progress) and the one SSE parser (parse/sse.ts).
 */
import { report } from './emitter.js';
import { openTextStream, type TextStream } from './io/text-stream.js';
import { createSseParser, type SseParser } from './parse/sse.js';
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

  readonly url: string;
  readonly withCredentials: boolean;
  readyState: number = CONNECTING;
  onopen: ((e: PolyfillEvent) => void) | null = null;
  onmessage: ((e: PolyfillEvent) => void) | null = null;
  onerror: ((e: PolyfillEvent) => void) | null = null;

  private _init: EventSourceInit;
  private _listeners: { [type: string]: Entry[] } = {};
  private _stream: TextStream | null = null;
  private _parser: SseParser | null = null;
  private _retry = DEFAULT_RETRY;
  private _lastEventId = '';
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _lastSeen = 0;

  constructor(url: string, init?: EventSourceInit) {
    this._init = init || {};
    this.withCredentials = !!this._init.withCredentials;
    this.url = absoluteUrl(String(url)); // throws a SyntaxError, as the native constructor does
    this._connect();
  }

  close(): void {
    this.readyState = CLOSED;
    this._stop();
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
    setTarget(event, this);
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
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    for (const k in init.headers) headers[k] = init.headers[k];
    let url = this.url;
    if (this._lastEventId) {
      headers['Last-Event-ID'] = this._lastEventId;
      if (init.lastEventIdQueryParameter) url = withQuery(url, { [init.lastEventIdQueryParameter]: this._lastEventId });
    }
    let origin = '';
    const parser = (this._parser = createSseParser(
      {
        event: (e) => {
          if (this.readyState !== OPEN) return;
          this._lastEventId = e.lastEventId;
          this.dispatchEvent(makeEvent(e.type, { data: e.data, origin, lastEventId: e.lastEventId }));
        },
        retry: (ms) => {
          this._retry = ms;
        },
      },
      this._lastEventId,
    ));
    this._stream = openTextStream(
      { url, headers, withCredentials: this.withCredentials },
      {
        response: (status, contentType, _retryAfter, finalUrl) => {
          if (status !== 200 || !EVENT_STREAM.test(contentType)) {
            // "Fail the connection": no reconnection after a bad status or content type (204 too).
            this._fail();
            return false;
          }
          origin = originOf(finalUrl);
          this.readyState = OPEN;
          this._alive();
          this.dispatchEvent(makeEvent('open'));
          return true;
        },
        chunk: (text) => {
          this._alive();
          parser.push(text);
          // The parser may update the id buffer without dispatching (an id-only event).
          this._lastEventId = parser.lastEventId;
        },
        end: () => this._reestablish(),
      },
    );
  }

  private _alive(): void {
    const limit = this._init.heartbeatTimeout;
    if (!limit) return;
    this._lastSeen = Date.now();
    if (this._timer) return;
    const check = () => {
      const silent = Date.now() - this._lastSeen;
      if (silent >= limit) return this._reestablish();
      this._timer = setTimeout(check, limit - silent);
    };
    this._timer = setTimeout(check, limit);
  }

  private _stop(): void {
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
    if (this._stream) this._stream.abort();
    this._stream = null;
    if (this._parser) this._parser.reset();
  }

  private _fail(): void {
    this._stop();
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.dispatchEvent(makeEvent('error'));
  }

  /** "Reestablish the connection": announce CONNECTING, wait the retry time, connect again. */
  private _reestablish(): void {
    this._stop();
    if (this.readyState === CLOSED) return;
    this.readyState = CONNECTING;
    this.dispatchEvent(makeEvent('error'));
    this._timer = setTimeout(() => {
      this._timer = null;
      if (this.readyState === CONNECTING) this._connect();
    }, this._retry);
  }
}

function originOf(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]+)/i.exec(url);
  return m ? m[1] : '';
}

function setTarget(event: PolyfillEvent, target: unknown): void {
  try {
    Object.defineProperty(event, 'target', { value: target, configurable: true });
    Object.defineProperty(event, 'currentTarget', { value: target, configurable: true });
  } catch (e) {
    event.target = target;
  }
}

/** A DOM Event (MessageEvent when `init` is given) where the engine can build one, else a plain object. */
function makeEvent(type: string, init?: { data: string; origin: string; lastEventId: string }): PolyfillEvent {
  try {
    return (init ? new MessageEvent(type, init) : new Event(type)) as unknown as PolyfillEvent;
  } catch (e) {
    const plain: PolyfillEvent = { type };
    if (init) {
      plain.data = init.data;
      plain.origin = init.origin;
      plain.lastEventId = init.lastEventId;
    }
    return plain;
  }
}

/**
 * Installs the polyfill as `window.EventSource` only where the browser has none.
 * Returns true when it installed it.
 */
export function polyfill(): boolean {
  const g = typeof window !== 'undefined' ? (window as unknown as { EventSource?: unknown }) : null;
  if (!g || typeof g.EventSource !== 'undefined') return false;
  g.EventSource = PushlineEventSource;
  return true;
}
