import { responseError } from '../../errors.js';
import { request as httpRequest, type PendingRequest } from '../../io/xhr.js';
import { ConnectionLife } from '../../transports/transport.js';
import { copyHeaders, subscriberUrl, type Connect } from './node.js';
import { batchIds, idFromHeaders, multipartBoundary, parseBatch } from './parse.js';

/** nchan's long-poll answers have the published message's own content type: any goes. */
const ANY_TYPE = /(?:)/;
/** Not modified: nchan has nothing newer yet. */
const NOT_MODIFIED = 304;
/** nchan_subscriber_timeout: the poll was held as long as nchan holds one. */
const REQUEST_TIMEOUT = 408;

export interface LongPollOptions {
  /**
   * Ms a first request must be held without an error answer before the connection counts as
   * open. nchan answers a long poll only when it has a message, so on a quiet channel there is
   * no answer to wait for; an error (a disabled location, a refusing proxy) comes back at once.
   */
  settle: number;
  /**
   * Ms a request may be held before the adapter ends it and asks again, counting that as a
   * heartbeat (0: never). nchan's own idle answer, `408` at nchan_subscriber_timeout, is not
   * seen in Chromium, which silently resends a request answered 408 on a reused connection.
   */
  hold: number;
}

/**
 * nchan's long-poll subscriber. An answer is one message, its id split into `Last-Modified` and
 * `Etag`; or, with `nchan_longpoll_multipart_response on`, every message nchan has after the
 * cursor in one `multipart/mixed` batch, the id of its last message in those headers (a client
 * that fell behind catches up in one request instead of one per message). The next request
 * asks for what follows with `?last_event_id=<id>`. (nchan would take `If-Modified-Since` +
 * `If-None-Match` too, but those headers make every cross-origin request preflighted; the query
 * parameter does not.) `408` (nchan_subscriber_timeout) and `304` answers carry no message: the
 * adapter counts them as heartbeats and asks again.
 *
 * The parts of a batch carry no ids: batchIds() (parse.ts) gives them the nchan ids that the
 * last one's and the cursor's can tell, and the others a position after the cursor.
 */
export function longpollConnect(options: LongPollOptions): Connect {
  return (url, cursor, request, sink) => {
    const stamp = Date.now().toString(36);
    let answered = false;
    /** A message was delivered: each later request resumes from one just delivered. */
    let delivered = false;
    let pending: PendingRequest | null = null;
    let settleTimer: ReturnType<typeof setTimeout> | undefined;
    let holdTimer: ReturnType<typeof setTimeout> | undefined;
    let pollCount = 0;
    const abortPoll = () => {
      clearTimeout(holdTimer);
      if (pending) pending.abort();
      pending = null;
    };
    const life = new ConnectionLife(sink, () => {
      clearTimeout(settleTimer);
      abortPoll();
    });
    /** A poll came back without a message, or was held long enough: alive; ask again. */
    const alive = (asked: string | null) => {
      sink.open();
      sink.ping();
      if (life.live) poll(asked);
    };
    /** Asks for what follows `asked` (null: nchan's first message setting). */
    const poll = (asked: string | null) => {
      // A fresh URL each time keeps the browser's HTTP cache out of it: a cached answer would be
      // revalidated with If-None-Match/If-Modified-Since, which nchan reads as a message id and
      // answers with a different message (or holds).
      const pollUrl = subscriberUrl(url, asked, { _: stamp + '.' + ++pollCount });
      const headers = copyHeaders(request.headers());
      const mine = httpRequest({ method: 'GET', url: pollUrl, headers, withCredentials: request.withCredentials }, (response) => {
        if (!life.live || pending !== mine) return;
        pending = null;
        clearTimeout(holdTimer);
        const status = response.status;
        if (status === NOT_MODIFIED || status === REQUEST_TIMEOUT) return alive(asked);
        const contentType = response.header('Content-Type') || '';
        const error = responseError('longpoll', status, contentType, ANY_TYPE, response.header('Retry-After'), answered);
        if (error) return life.end(error);
        answered = true;
        const lastId = idFromHeaders(response.header('Last-Modified'), response.header('Etag'));
        if (!lastId) {
          life.close();
          return sink.garbage('a long-poll answer without Last-Modified/Etag (are Etag and Last-Modified exposed to CORS?)');
        }
        const boundary = multipartBoundary(contentType);
        const bodies = boundary ? parseBatch(response.text, boundary) : [response.text];
        if (!bodies) {
          life.close();
          return sink.garbage('a multipart long-poll answer that is not a batch of messages');
        }
        // An oversized message is delivered like any other: the client skips it and says so.
        // The first answer is where nchan may not have the cursor any more: name nothing after it.
        const ids = boundary ? batchIds(asked || '', bodies.length, lastId, delivered) : [lastId];
        delivered = true;
        for (let i = 0; i < bodies.length && life.live; i++) sink.message(ids[i], bodies[i]);
        if (life.live) poll(lastId);
      });
      pending = mine;
      if (options.hold > 0) {
        holdTimer = setTimeout(() => {
          if (!life.live || pending !== mine) return;
          // Held all this time without an error: alive. Ask again with the same cursor (nchan
          // answers it again if a message was on its way when this request was dropped).
          abortPoll();
          alive(asked);
        }, options.hold);
      }
    };
    poll(cursor);
    settleTimer = setTimeout(() => {
      if (life.live) sink.open();
    }, options.settle);
    return {
      send: () => false,
      close: () => life.close(),
    };
  };
}
