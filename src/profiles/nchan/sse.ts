import { pushlineError } from '../../errors.js';
import { ConnectionLife } from '../../transports/transport.js';
import { subscriberUrl, type Connect } from './node.js';

export interface SseOptions {
  /**
   * Event names to listen for besides `message`. A message published with an
   * `X-EventSource-Event` header (or under `nchan_eventsource_event`) reaches a native
   * EventSource only through a listener for that exact name: list every name your publishers
   * use, or such messages are skipped on this transport (and only on this one).
   */
  events: string[];
  /** The event of `nchan_eventsource_ping_interval` (`nchan_eventsource_ping_event`, default `ping`). */
  pingEvent: string;
}

/**
 * nchan's EventSource subscriber through the browser's native EventSource: standard SSE with
 * `id:` on every message. Resumes with `?last_event_id=` (the first connection of an EventSource
 * cannot carry a `Last-Event-ID` header). The native object's own reconnection is never used:
 * on error it is closed and the client's policy decides.
 */
export function sseConnect(options: SseOptions): Connect {
  return (url, cursor, request, sink) => {
    // EventSource cannot carry headers: the token goes in the query, as on the core sse transport.
    const source = new EventSource(subscriberUrl(url, cursor, { access_token: request.token() }), { withCredentials: request.withCredentials });
    let opened = false;
    const names = options.events;
    const onMessage = (event: MessageEvent<string>) => {
      if (!life.live) return;
      if (event.data.length > request.maxMessageSize) {
        return life.end(pushlineError('too-large', 'an SSE event exceeded maxMessageSize', 'sse'));
      }
      if (!event.lastEventId) return sink.garbage('an SSE event without an id');
      sink.message(event.lastEventId, event.data);
    };
    const onPing = () => {
      if (life.live) sink.ping();
    };
    const life = new ConnectionLife(sink, () => {
      source.onopen = source.onmessage = source.onerror = null;
      for (let i = 0; i < names.length; i++) source.removeEventListener(names[i], onMessage as EventListener);
      source.removeEventListener(options.pingEvent, onPing);
      source.close();
    });
    source.onopen = () => {
      if (!life.live || opened) return;
      opened = true;
      sink.open();
    };
    source.onmessage = onMessage;
    for (let i = 0; i < names.length; i++) source.addEventListener(names[i], onMessage as EventListener);
    source.addEventListener(options.pingEvent, onPing);
    source.onerror = () => {
      const why = opened ? 'the nchan event stream ended' : 'EventSource failed (HTTP error, wrong content type, CORS or network error)';
      life.end(pushlineError(opened ? 'closed' : 'refused', why, 'sse'));
    };
    return {
      send: () => false,
      close: () => life.close(),
    };
  };
}
