/**
 * An EventSource that behaves like the native one (WHATWG HTML, "Server-sent events"), for
 * engines that lack it or lack its features. Built on the shared streaming reader
 * (io/text-stream.ts: fetch streams, else XHR progress) and the one SSE parser (parse/sse.ts).
 *
 * What no script can do, and so this does not (README, "EventSource polyfill"): its events are
 * never `isTrusted`; a cross-origin reconnection's `Last-Event-ID` header needs a CORS preflight.
 */
import { report } from './emitter.js';
import { openTextStream, type TextStream } from './io/text-stream.js';
import { createSseParser, EVENT_STREAM } from './parse/sse.js';
import { absoluteUrl, originOf, withQuery } from './url.js';

export interface EventSourceInit {
  /** Send cookies and HTTP auth to a cross-origin server (as the native option). */
  withCredentials?: boolean;
  /** Extra: request headers, e.g. Authorization. Off by default (the native one has none). */
  headers?: Record<string, string>;
  /** Extra: reconnect when nothing (not even a comment) arrives for this many ms. Off by default. */
  heartbeatTimeout?: number;
  /**
   * Extra: also send the last event id as this query parameter, for proxies that strip headers.
   * Cross-origin it replaces the `Last-Event-ID` header, which would need a CORS preflight.
   */
  lastEventIdQueryParameter?: string;
  /** Extra: `'POST'` opens the stream with a request `body` (LLM-style endpoints) ['GET']. */
  method?: 'GET' | 'POST';
  /** Extra: the body of a POST stream; set a `Content-Type` in `headers` if the server needs one. */
  body?: string;
  /**
   * Extra: with `method: 'POST'`, reconnect even when the server sent no id to resume from,
   * sending the request again [false]. Off, such a stream that ends fails instead (a POST may
   * cost the user money: an LLM answer asked twice).
   */
  repost?: boolean;
}

/** The event objects handed to listeners: a MessageEvent where the engine can build one. */
export interface PolyfillEvent {
  type: string;
  data?: string;
  origin?: string;
  lastEventId?: string;
  target?: unknown;
}

type Handler = (event: PolyfillEvent) => void;
type Listener = Handler | { handleEvent(event: PolyfillEvent): void };
interface ListenerEntry {
  listener: Listener;
  once: boolean;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
const DEFAULT_RETRY_MS = 3000;
/** The events with a handler property (`onopen`, ...). */
const HANDLER_TYPES = ['open', 'message', 'error'];
/** Schemes a request can fetch. The connection to any other (ftp:, mailto:, javascript:) fails. */
const FETCHABLE_SCHEME = /^(https?|data|blob):/i;

/**
 * The fallback of engines without a constructible EventTarget (IE 11, Safari before 14): the
 * listener list of the DOM's EventTarget, in short. A listener that throws does not stop the
 * others (emitter.ts, report()).
 */
class ListenerTarget {
  private _listeners: { [key: string]: ListenerEntry[] } = {};

  addEventListener(type: string, listener: Listener | null, options?: boolean | AddEventListenerOptions): void {
    if (!listener) return;
    const key = '$' + type; // never an Object.prototype name such as 'constructor'
    const list = this._listeners[key] || (this._listeners[key] = []);
    for (let i = 0; i < list.length; i++) if (list[i].listener === listener) return;
    list.push({ listener, once: !!(options && typeof options === 'object' && options.once) });
  }

  removeEventListener(type: string, listener: Listener | null): void {
    const list = this._listeners['$' + type];
    if (list) this._listeners['$' + type] = list.filter((entry) => entry.listener !== listener);
  }

  dispatchEvent(event: PolyfillEvent): boolean {
    const thisTarget = { value: this, configurable: true };
    try {
      Object.defineProperty(event, 'target', thisTarget);
      Object.defineProperty(event, 'currentTarget', thisTarget);
    } catch (e) {
      // Only where an engine's Event has its own read-only target (no ES5 engine's plain object).
    }
    const list = this._listeners['$' + event.type];
    if (list) {
      for (let i = 0; i < list.length; i++) {
        const { listener, once } = list[i];
        if (once) this.removeEventListener(event.type, listener);
        if (typeof listener === 'function') report(listener, event, this);
        else report(listener.handleEvent, event, listener);
      }
    }
    return true;
  }
}

type EventTargetClass = new () => EventTarget;

/**
 * The base class: the engine's EventTarget where a script can subclass it (then `instanceof
 * EventTarget` holds, and dispatch, `once`, `handleEvent`, `event.target` and the reporting of
 * listener exceptions are the engine's own), else ListenerTarget.
 *
 * The native class is wrapped in a function because Babel's ES5 output calls the base class as
 * a function (`Base.call(this)`), which a native class refuses; the function builds the object
 * with Reflect.construct instead, for the subclass being constructed (new.target).
 */
function eventTargetBase(): EventTargetClass {
  try {
    Reflect.construct(EventTarget, []); // throws where EventTarget (or Reflect) is missing or not constructible
    const NativeEventTarget = function (this: object): object {
      return Reflect.construct(EventTarget, [], new.target);
    };
    NativeEventTarget.prototype = EventTarget.prototype;
    return NativeEventTarget as unknown as EventTargetClass;
  } catch (e) {
    return ListenerTarget as unknown as EventTargetClass;
  }
}

// Pure: importing this module costs nothing to a bundle that does not use the polyfill.
const EventTargetBase = /* @__PURE__ */ eventTargetBase();

/** Calls to window.stop() so far, once an EventSource watches them (watchWindowStop). */
let windowStops = 0;
let watchingWindowStop = false;

/**
 * window.stop() aborts the page's requests, and the native EventSource then fails for good. The
 * fetch it aborts fails with the same TypeError as a network error (Chromium, Firefox and
 * WebKit alike; only XHR sees an `abort`), so the call itself is counted: window.stop is wrapped,
 * once, by the first EventSource.
 */
function watchWindowStop(): void {
  if (watchingWindowStop || typeof window === 'undefined' || typeof window.stop !== 'function') return;
  watchingWindowStop = true;
  const stop = window.stop;
  window.stop = function (this: Window) {
    windowStops++;
    stop.call(this);
  };
}

export class PushlineEventSource extends EventTargetBase {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSED = CLOSED;

  readonly url: string;
  readonly withCredentials: boolean;
  readyState: number = CONNECTING;
  onopen: Handler | null = null;
  onmessage: Handler | null = null;
  onerror: Handler | null = null;

  private _init: EventSourceInit;
  private _stream: TextStream | null = null;
  private _retryMs = DEFAULT_RETRY_MS;
  private _lastEventId = '';
  /** The pending reconnection or failure, or the heartbeat deadline. */
  private _timer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(url: string, init?: EventSourceInit) {
    super();
    this._init = init || {};
    this.withCredentials = !!this._init.withCredentials;
    this.url = absoluteUrl(String(url));
    // The handler properties are called by a listener registered first: a handler runs before
    // the addEventListener listeners (the native one keeps the order in which they were set).
    const callHandler = (event: Event) => {
      const handler = (this as unknown as { [name: string]: unknown })['on' + event.type];
      if (typeof handler === 'function') handler.call(this, event);
    };
    for (let i = 0; i < HANDLER_TYPES.length; i++) this.addEventListener(HANDLER_TYPES[i], callHandler);
    watchWindowStop();
    this._connect();
  }

  close(): void {
    this.readyState = CLOSED;
    this._end(CLOSED);
  }

  private _connect(): void {
    if (!FETCHABLE_SCHEME.test(this.url)) {
      // No fetch can succeed, so the connection fails (on a task, as a failed fetch would)
      // instead of being retried forever.
      this._timer = setTimeout(() => this._end(CLOSED), 0);
      return;
    }
    const init = this._init;
    const id = this._lastEventId;
    const crossOrigin = originOf(this.url) !== pageOrigin();
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    const query: Record<string, string> = {};
    for (const name in init.headers) headers[name] = init.headers[name];
    if (id) {
      const parameter = init.lastEventIdQueryParameter;
      if (parameter) query[parameter] = id;
      if (!parameter || !crossOrigin) headers['Last-Event-ID'] = utf8Bytes(id);
    }
    const stopsBefore = windowStops;
    let origin = '';
    // A fresh parser per connection: nothing of a cut-off event or line carries over.
    const parser = createSseParser(
      {
        event: (event) => {
          if (this.readyState === OPEN) this.dispatchEvent(makeEvent({ type: event.type, data: event.data, origin, lastEventId: event.lastEventId }));
        },
        retry: (ms) => {
          this._retryMs = ms;
        },
      },
      id,
    );
    this._stream = openTextStream(
      { url: withQuery(this.url, query), headers, withCredentials: this.withCredentials, method: init.method, body: init.body },
      {
        response: (status, contentType, _retryAfter, finalUrl) => {
          if (status !== 200 || !EVENT_STREAM.test(contentType)) {
            // "Fail the connection": no reconnection after a bad status or content type (204 too).
            this._end(CLOSED);
            return false;
          }
          origin = originOf(finalUrl);
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
        end: (failed) => {
          if (windowStops !== stopsBefore) this._end(CLOSED); // aborted by window.stop(), as the native one
          else if (failed && this.readyState === CONNECTING && crossOrigin) this._probe();
          else this._end(this._mayResend() ? CONNECTING : CLOSED);
        },
      },
    );
  }

  /**
   * A cross-origin request failed before any response. fetch reports a CORS rejection (a
   * missing or wrong Access-Control-Allow-Origin) with the same TypeError as a network error,
   * and nothing else tells them apart (README). A `no-cors` request does: it gets an opaque
   * response from a server that answered, and fails where the network did. A rejection fails
   * the connection, as the native one does; a network error reestablishes it. The cost: this
   * one request, only after such a failure.
   */
  private _probe(): void {
    if (typeof fetch !== 'function' || typeof AbortController !== 'function') return this._end(CONNECTING);
    const controller = new AbortController();
    const probe = { abort: () => controller.abort() };
    this._stream = probe;
    const settle = (state: number) => {
      if (this._stream !== probe) return; // closed meanwhile
      controller.abort(); // the response is opaque and the body unwanted
      this._end(state);
    };
    fetch(this.url, {
      mode: 'no-cors',
      credentials: this.withCredentials ? 'include' : 'same-origin',
      cache: 'no-store',
      signal: controller.signal,
    }).then(
      () => settle(CLOSED),
      () => settle(CONNECTING),
    );
  }

  /** A POST stream is sent again only when it can resume (the server sent an id) or `repost` says so. */
  private _mayResend(): boolean {
    const init = this._init;
    return init.method !== 'POST' || !!this._lastEventId || !!init.repost;
  }

  /** Restarted by every piece of the stream: reestablishes after heartbeatTimeout ms of silence. */
  private _alive(): void {
    const limit = this._init.heartbeatTimeout;
    if (!limit) return;
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._end(this._mayResend() ? CONNECTING : CLOSED), limit);
  }

  /**
   * Ends the request and any timer. Then, unless already closed, moves to `state` and fires
   * `error`: CLOSED "fails the connection"; CONNECTING "reestablishes" it after the retry time.
   */
  private _end(state: number): void {
    clearTimeout(this._timer);
    this._timer = undefined;
    const stream = this._stream;
    this._stream = null;
    if (stream) stream.abort();
    if (this.readyState === CLOSED) return;
    this.readyState = state;
    this.dispatchEvent(makeEvent({ type: 'error' }));
    // Not when a listener closed it meanwhile.
    if (this.readyState === CONNECTING) {
      this._timer = setTimeout(() => {
        this._timer = undefined;
        this._connect();
      }, this._retryMs);
    }
  }
}

/** The origin of the page or worker (self.origin: also right in about:srcdoc and blob: realms). */
function pageOrigin(): string {
  if (typeof self !== 'undefined' && self.origin) return self.origin;
  return typeof location !== 'undefined' ? originOf(location.href) : ''; // IE 11
}

/**
 * The id as its UTF-8 bytes, one char per byte. A header value is a byte string: fetch and XHR
 * refuse a char above U+00FF, and send each of these as that byte. The native EventSource sends
 * the id's UTF-8 bytes, so a server reads the same bytes from both (in Node, whose parser reads
 * them as Latin-1: `Buffer.from(value, 'latin1').toString('utf8')` is the id).
 */
function utf8Bytes(text: string): string {
  return unescape(encodeURIComponent(text));
}

/**
 * A DOM Event (MessageEvent when `init` has data) where the engine can build one, else `init`
 * itself. The MessageEvent constructor ignores the `type` member of its init dictionary.
 */
function makeEvent(init: PolyfillEvent): Event {
  try {
    return 'data' in init ? new MessageEvent(init.type, init) : new Event(init.type);
  } catch (e) {
    return init as unknown as Event; // only ever dispatched by ListenerTarget
  }
}

/**
 * Installs the polyfill as the global `EventSource` (of the page, or of a worker) only where
 * there is none. Returns true when it installed it.
 */
export function polyfill(): boolean {
  const global = typeof self !== 'undefined' && (self as unknown as { EventSource?: unknown });
  if (!global || global.EventSource !== undefined) return false;
  global.EventSource = PushlineEventSource;
  return true;
}
