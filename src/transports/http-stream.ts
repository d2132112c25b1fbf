/**
 * What the two transports that read one long-held HTTP response share (sse and streaming): the
 * request read as it arrives (io/text-stream.ts), its answer checked (status, content type,
 * Retry-After), the application's messages POSTed beside it (io/http-send.ts), and one end.
 * Each transport brings its parser: text in, frames out.
 */
import { pushlineError, responseError } from '../errors.js';
import { HttpSender } from '../io/http-send.js';
import { openTextStream, XHR_RESPONSE_LIMIT } from '../io/text-stream.js';
import type { TransportName } from '../types.js';
import { ConnectionLife, type Transport, type TransportEvents, type TransportRequest } from './transport.js';

export interface HttpStreamOptions {
  /** The request URL, with the transport's own query parameters. */
  url: string;
  headers: Record<string, string>;
  /** GET when absent; a POST carries `body` (a stream an LLM-style endpoint answers). */
  method?: 'GET' | 'POST';
  body?: string;
  /** Called once the answer is accepted (after `events.responded()`). */
  accepted?(): void;
  /** When the stream ends, true if it may not be asked again: the end is then final (closed-by-server). */
  final?(): boolean;
  /** The content type a usable answer has. */
  contentType: RegExp;
  /**
   * Makes the reader of the body: it is handed each piece of text; it reports frames itself
   * (events.frame), and ends the connection through `life` (e.g. a frame too large).
   */
  reader(life: ConnectionLife): (text: string) => void;
}

export function openHttpStream(name: TransportName, request: TransportRequest, events: TransportEvents, options: HttpStreamOptions): Transport {
  let answered = false;
  const life = new ConnectionLife(events, () => {
    sender.close();
    stream.abort();
  });
  const sender = new HttpSender(name, request, events, life);
  const read = options.reader(life);
  const stream = openTextStream(
    {
      url: options.url,
      headers: options.headers,
      withCredentials: request.withCredentials,
      xhrLimit: XHR_RESPONSE_LIMIT,
      method: options.method,
      body: options.body,
    },
    {
      response(status, contentType, retryAfter) {
        const error = responseError(name, status, contentType, options.contentType, retryAfter, false);
        if (error) {
          life.end(error);
          return false;
        }
        answered = true;
        events.responded();
        if (options.accepted && life.live) options.accepted();
        return true;
      },
      chunk: (text) => {
        if (life.live) read(text);
      },
      end(failed) {
        if (options.final && options.final()) life.end(pushlineError('closed-by-server', 'the stream ended and may not be asked again', name));
        else life.end(pushlineError(answered ? 'closed' : 'refused', failed ? 'network error' : 'ended', name));
      },
    },
  );
  return {
    send: (sending) => {
      if (life.live) sender.send(sending);
    },
    close: () => life.close(),
  };
}
