import { responseError } from '../errors.js';
import { request } from '../io/xhr.js';
import { parseBatch } from '../parse/frame.js';
import type { TransportFactory } from './transport.js';

const JSON_TYPE = /^application\/json/i;

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
    let timer: ReturnType<typeof setTimeout> | undefined;
    let idle = 0; // quick answers in a row that carried no message
    const poll = () => {
      const sent = Date.now();
      pending = request(
        { method: 'GET', url: req.url(), headers: req.headers(), withCredentials: req.withCredentials },
        (res) => {
          pending = null;
          if (!live) return;
          const error = responseError('longpoll', res.status, res.header('Content-Type') || '', JSON_TYPE, res.header('Retry-After'), answered);
          if (error) {
            live = false;
            return events.end(error);
          }
          const frames = parseBatch(res.text);
          if (!answered) {
            answered = true;
            events.responded();
          }
          if (!frames) return events.frame(null);
          let messages = 0;
          for (let i = 0; i < frames.length && live; i++) {
            if (frames[i].type === 'message') messages++;
            events.frame(frames[i]);
          }
          if (!live) return;
          // A server should hold an empty poll; one that answers at once with nothing would be
          // hammered by immediate re-polls, so such answers back off (0.25 s doubling to 5 s).
          idle = messages || Date.now() - sent > 1000 ? 0 : idle + 1;
          if (idle < 2) poll();
          else timer = setTimeout(poll, Math.min(5000, 125 << Math.min(idle, 6)));
        },
      );
    };
    poll();
    return {
      send: () => false,
      close() {
        live = false;
        clearTimeout(timer);
        if (pending) pending.abort();
      },
    };
  },
};
