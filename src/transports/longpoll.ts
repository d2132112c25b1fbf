import { pushlineError } from '../errors.js';
import { request } from '../io/xhr.js';
import { parseBatch } from '../parse/frame.js';
import type { TransportFactory } from './transport.js';

/**
 * Long polling: each request is held by the server until it has messages, then answered with a
 * JSON batch; the next request goes out at once with the new cursor (the client's url() adds it).
 * The first request is the handshake, answered at once with the open frame.
 */
export const longpoll: TransportFactory = {
  name: 'longpoll',
  supported: () => typeof XMLHttpRequest !== 'undefined',
  open(req, events) {
    let live = true;
    let answered = false;
    let pending: { abort(): void } | null = null;
    const poll = () => {
      pending = request(
        { method: 'GET', url: req.url(), headers: req.headers(), withCredentials: req.withCredentials },
        (res) => {
          pending = null;
          if (!live) return;
          const what = answered ? 'closed' : 'refused';
          if (res.status !== 200) {
            live = false;
            return events.end(pushlineError(what, res.status ? 'poll answered HTTP ' + res.status : 'poll request failed', 'longpoll', { status: res.status }));
          }
          if (!/^application\/json/i.test(res.contentType)) {
            live = false;
            return events.end(pushlineError(what, 'poll response has content type "' + res.contentType + '"', 'longpoll', { status: 200 }));
          }
          const frames = parseBatch(res.text);
          if (!answered) {
            answered = true;
            events.responded();
          }
          if (!frames) return events.frame(null);
          for (let i = 0; i < frames.length && live; i++) events.frame(frames[i]);
          if (live) poll();
        },
      );
    };
    poll();
    return {
      send: () => false,
      close() {
        live = false;
        if (pending) pending.abort();
      },
    };
  },
};
