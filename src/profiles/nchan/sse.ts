import { pushlineError } from '../../errors.js';
import { nodeUrl, type Connect } from './node.js';

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
  return (url, cursor, req, sink) => {
    const es = new EventSource(nodeUrl(url, '', cursor), { withCredentials: req.withCredentials });
    let opened = false;
    let live = true;
    const onMessage = (e: MessageEvent<string>) => {
      if (!live) return;
      if (e.data.length > req.maxMessageSize) {
        stop();
        return sink.end(pushlineError('too-large', 'an SSE event exceeded maxMessageSize', 'sse'));
      }
      if (!e.lastEventId) return sink.garbage('an SSE event without an id');
      sink.message(e.lastEventId, e.data);
    };
    const onPing = () => {
      if (live) sink.ping();
    };
    const names = options.events;
    const stop = () => {
      live = false;
      es.onopen = es.onmessage = es.onerror = null;
      for (let i = 0; i < names.length; i++) es.removeEventListener(names[i], onMessage as EventListener);
      es.removeEventListener(options.pingEvent, onPing);
      es.close();
    };
    es.onopen = () => {
      if (!live || opened) return;
      opened = true;
      sink.open();
    };
    es.onmessage = onMessage;
    for (let i = 0; i < names.length; i++) es.addEventListener(names[i], onMessage as EventListener);
    es.addEventListener(options.pingEvent, onPing);
    es.onerror = () => {
      if (!live) return;
      stop();
      sink.end(
        pushlineError(
          opened ? 'closed' : 'refused',
          opened ? 'the nchan event stream ended' : 'EventSource failed (HTTP error, wrong content type, CORS or network error)',
          'sse',
        ),
      );
    };
    return {
      send: () => false,
      close() {
        if (live) stop();
      },
    };
  };
}
