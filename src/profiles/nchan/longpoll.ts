import { pushlineError, responseError } from '../../errors.js';
import { request } from '../../io/xhr.js';
import { withQuery } from '../../url.js';
import { copyHeaders, nodeUrl, type Connect } from './node.js';
import { idFromHeaders, multipartBoundary } from './parse.js';

const ANY = /(?:)/;

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
 * nchan's long-poll subscriber: each answer is one message, its id split into `Last-Modified`
 * and `Etag`; the next request asks for what follows with `?last_event_id=<id>`. (nchan would
 * take `If-Modified-Since` + `If-None-Match` too, but those headers make every cross-origin
 * request preflighted; the query parameter does not.) `408` (nchan_subscriber_timeout) and
 * `304` answers carry no message: the adapter counts them as heartbeats and asks again.
 */
export function longpollConnect(options: LongPollOptions): Connect {
  return (url, cursor, req, sink) => {
    const stamp = Date.now().toString(36);
    let live = true;
    let answered = false;
    let pending: { abort(): void } | null = null;
    let settle: ReturnType<typeof setTimeout> | null = null;
    let held: ReturnType<typeof setTimeout> | null = null;
    let count = 0;
    const abort = () => {
      if (held !== null) clearTimeout(held);
      held = null;
      if (pending) pending.abort();
      pending = null;
    };
    const stop = () => {
      live = false;
      if (settle !== null) clearTimeout(settle);
      settle = null;
      abort();
    };
    const poll = (last: string | null) => {
      // A fresh URL each time keeps the browser's HTTP cache out of it: a cached answer would be
      // revalidated with If-None-Match/If-Modified-Since, which nchan reads as a message id and
      // answers with a different message (or holds).
      const pollUrl = withQuery(nodeUrl(url, '', last), { _: stamp + '.' + ++count });
      const mine = request({ method: 'GET', url: pollUrl, headers: copyHeaders(req.headers()), withCredentials: req.withCredentials }, (res) => {
        if (!live || pending !== mine) return;
        pending = null;
        if (held !== null) clearTimeout(held);
        held = null;
        const status = res.status;
        if (status === 304 || status === 408) {
          sink.open();
          sink.ping();
          if (live) poll(last);
          return;
        }
        const contentType = res.header('Content-Type') || '';
        const error = responseError('longpoll', status, contentType, ANY, res.header('Retry-After'), answered);
        if (error) {
          stop();
          return sink.end(error);
        }
        answered = true;
        if (multipartBoundary(contentType)) {
          // nchan_longpoll_multipart_response: the parts of a batch carry no ids of their own.
          stop();
          return sink.garbage('a multipart long-poll batch, whose messages have no ids (turn nchan_longpoll_multipart_response off)');
        }
        const id = idFromHeaders(res.header('Last-Modified'), res.header('Etag'));
        if (!id) {
          stop();
          return sink.garbage('a long-poll answer without Last-Modified/Etag (are Etag and Last-Modified exposed to CORS?)');
        }
        if (res.text.length > req.maxMessageSize) {
          stop();
          return sink.end(pushlineError('too-large', 'a long-poll message exceeded maxMessageSize', 'longpoll'));
        }
        sink.message(id, res.text);
        if (live) poll(id);
      });
      pending = mine;
      if (options.hold > 0) {
        held = setTimeout(() => {
          held = null;
          if (!live || pending !== mine) return;
          // Held all this time without an error: alive. Ask again with the same cursor (nchan
          // answers it again if a message was on its way when this request was dropped).
          abort();
          sink.open();
          sink.ping();
          if (live) poll(last);
        }, options.hold);
      }
    };
    poll(cursor);
    settle = setTimeout(() => {
      settle = null;
      if (live) sink.open();
    }, options.settle);
    return {
      send: () => false,
      close() {
        if (live) stop();
      },
    };
  };
}
