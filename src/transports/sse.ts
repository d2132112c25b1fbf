import { pushlineError } from '../errors.js';
import { parseFrame } from '../parse/frame.js';
import { createSseParser, cutOffId } from '../parse/sse.js';
import { openHttpStream } from './http-stream.js';
import type { TransportFactory } from './transport.js';

const EVENT_STREAM = /^text\/event-stream/i;
/** Room for the SSE field names, the JSON envelope and escapes around a message. */
const EVENT_OVERHEAD = 4096;

/**
 * Server-Sent Events, read by the client itself (io/text-stream.ts: fetch streams, else XHR
 * progress) with the SSE parser of the EventSource polyfill, not by the native EventSource:
 * so the client sees the status (401, 503 and Retry-After), sends its headers (the token as
 * `Authorization`, not in the URL), and reads `retry:`. Every Pushline frame is one unnamed event
 * (PROTOCOL.md). Every engine with an EventSource has XMLHttpRequest, so nothing is lost by not
 * using it.
 */
export const sse: TransportFactory = {
  name: 'sse',
  path: '/sse',
  supported: () => typeof XMLHttpRequest !== 'undefined',
  needs: 'XMLHttpRequest',
  open(request, events) {
    const headers = request.headers();
    headers.Accept = 'text/event-stream';
    return openHttpStream('sse', request, events, {
      // The token travels in the Authorization header, unless the application asks for the query too.
      url: request.url({ access_token: request.tokenInQuery ? request.token() : null }),
      headers,
      contentType: EVENT_STREAM,
      reader(life) {
        /** Characters read since the last event: an event larger than the limit is refused before it is whole. */
        let pending = 0;
        const limit = 2 * request.maxMessageSize + EVENT_OVERHEAD;
        const parser = createSseParser({
          event(event) {
            pending = 0;
            if (life.live) events.frame(parseFrame(event.data));
          },
          retry(delay) {
            if (life.live) events.frame({ type: 'retry', delay });
          },
        });
        return (text) => {
          pending += text.length;
          parser.push(text);
          // Name the message (its id: line came first), so that the client resumes after it instead of receiving it again.
          if (pending > limit) life.end(pushlineError('too-large', 'event over maxMessageSize', 'sse', { id: cutOffId(parser) }));
        };
      },
    });
  },
};
