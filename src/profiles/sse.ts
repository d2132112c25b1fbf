/**
 * A profile for any Server-Sent Events server (WHATWG HTML, "Server-sent events"), no Pushline
 * server needed: the whole client — one API, reconnection that resumes with `Last-Event-ID`,
 * refused tokens refreshed, Retry-After and `retry:` honoured, cross-tab sharing, the events of
 * its diagnostics — over one plain `text/event-stream` endpoint. Named events, ids, `retry:` and
 * comments are read as the WHATWG text defines them (the polyfill's parser).
 *
 *   import { connectSse } from 'pushline/sse';
 *   const client = connectSse('https://api.example.com/events', { token: () => auth.token() });
 *   client.on('message', (m) => render(m.event, m.data));
 *
 * A stream opened by a POST (an LLM-style endpoint) is sent again only when it can resume (the
 * server sent an id) or with `repost: true`: replaying a POST can cost the user money.
 */
import { Client } from '../client.js';
import { pushlineError } from '../errors.js';
import { sharing } from '../features/sharing.js';
import type { ClientSettings } from '../options.js';
import { createSseParser, cutOffId } from '../parse/sse.js';
import { openHttpStream } from '../transports/http-stream.js';
import type { TransportFactory } from '../transports/transport.js';
import type { ClientOptions, EventMap } from '../types.js';
import { absoluteUrl, withQuery } from '../url.js';

export interface SseOptions extends Omit<ClientOptions, 'transports' | 'endpoints' | 'delimiter' | 'upgrade' | 'remember'> {
  /** `'POST'` opens the stream with a request `body` (LLM-style endpoints) ['GET']. */
  method?: 'GET' | 'POST';
  /** The body of a POST stream; set its `Content-Type` in `headers` if the server needs one. */
  body?: string;
  /**
   * With `method: 'POST'`, open the stream again when it ends even though the server sent no id
   * to resume from: the request is sent again [false]. Off, such an ending closes the client.
   */
  repost?: boolean;
  /**
   * Also send the id to resume from as this query parameter [none]: a cross-origin
   * `Last-Event-ID` header needs a CORS preflight that some servers do not allow.
   */
  lastEventIdQueryParameter?: string;
  /**
   * When the connection counts as open [`'response'`]: at the response headers (any server), or at
   * the first bytes of the body (`'data'`: a server that sends something at once, e.g. a comment,
   * so that a proxy that holds the stream back is noticed within `connectTimeout`).
   */
  openOn?: 'response' | 'data';
  /** Where send() POSTs the application's messages, for a server that takes them [none: send() is refused]. */
  sendUrl?: string;
}

/** Room for the field names of an event beyond its data. */
const EVENT_OVERHEAD = 4096;
const EVENT_STREAM = /^text\/event-stream/i;
/** The profile's options that are not the client's. */
const SSE_ONLY: { [option: string]: true } = { method: true, body: true, repost: true, lastEventIdQueryParameter: true, openOn: true, sendUrl: true };

/**
 * The transport: one request to `url`, read as it arrives. Every event is a message: its `id` is
 * the event's last event id when the event moved it (an event with an `id` field, or after an
 * id-only event), else '' (a message without an id: delivered, but no resume point and not
 * checked for repeats). A comment counts as life (for `heartbeatTimeout`).
 */
export function plainSseTransport(url: string, options: SseOptions = {}): TransportFactory {
  const streamUrl = absoluteUrl(url);
  return {
    name: 'sse',
    path: '',
    supported: () => typeof XMLHttpRequest !== 'undefined',
    open(request, events) {
      const cursor = request.cursor();
      const query = request.applicationQuery();
      if (options.lastEventIdQueryParameter) query[options.lastEventIdQueryParameter] = cursor;
      if (request.tokenInQuery) query.access_token = request.token();
      const headers = request.headers(); // Authorization from the token, Last-Event-ID from the cursor
      headers.Accept = 'text/event-stream';
      /** The last event id of the stream so far: where a resume starts. */
      let lastEventId = cursor;
      let opened = false;
      const open = () => {
        if (opened) return;
        opened = true;
        events.frame({ type: 'open', session: null, resumed: cursor !== null, last: null, gap: false, retry: null });
      };
      return openHttpStream('sse', request, events, {
        url: withQuery(streamUrl, query),
        headers,
        method: options.method,
        body: options.body,
        contentType: EVENT_STREAM,
        accepted: () => {
          if (options.openOn !== 'data') open();
        },
        // A POST with nothing to resume from is not sent again, unless the application says so.
        final: () => options.method === 'POST' && !lastEventId && !options.repost,
        reader(life) {
          let pending = 0;
          const limit = request.maxMessageSize + EVENT_OVERHEAD;
          const parser = createSseParser(
            {
              event(event) {
                pending = 0;
                const moved = event.lastEventId !== (lastEventId || '');
                if (moved) lastEventId = event.lastEventId;
                if (life.live) events.frame({ type: 'message', id: moved ? event.lastEventId : '', data: event.data, event: event.type });
              },
              retry(delay) {
                if (life.live) events.frame({ type: 'retry', delay });
              },
              comment() {
                if (life.live) events.frame({ type: 'ping' });
              },
            },
            cursor || '',
          );
          return (text) => {
            open();
            pending += text.length;
            parser.push(text);
            // An event that grows past the limit before it is whole: a `too-large` end, not unbounded memory.
            // Named when its id: line came first, so that the client resumes after it.
            if (pending > limit && life.live) life.end(pushlineError('too-large', 'event over maxMessageSize', 'sse', { id: cutOffId(parser) }));
          };
        },
      });
    },
  };
}

/** Client settings for a plain SSE endpoint: give them to `createClient(url, settings)`. */
export function plainSse(url: string, options?: SseOptions): ClientSettings {
  const given = options || {};
  const settings: ClientSettings = { transports: [plainSseTransport(url, given)] };
  for (const key in given) {
    if (!SSE_ONLY[key]) (settings as unknown as Record<string, unknown>)[key] = (given as Record<string, unknown>)[key];
  }
  settings.endpoints = { send: given.sendUrl ? absoluteUrl(given.sendUrl) : false };
  settings.features = [sharing]; // off unless `shared: true`
  // A plain server may send nothing while nothing happens: no liveness check unless asked for.
  if (given.heartbeatTimeout === undefined) settings.heartbeatTimeout = 0;
  return settings;
}

/** `createClient(url, plainSse(url, options))` in one call. */
export function connectSse<Events extends EventMap = {}>(url: string, options?: SseOptions): Client<Events> {
  return new Client(url, plainSse(url, options));
}
