import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import { responseError } from '../errors.js';
import { request as httpRequest, type PendingRequest } from '../io/xhr.js';
import { parseBatch } from '../parse/frame.js';
import { HttpSender } from '../io/http-send.js';
import { ConnectionLife, type TransportFactory } from './transport.js';

const JSON_TYPE = /^application\/json/i;
/** An answer that took at least this long was held by the server, as a long poll should be. */
const HELD_MS = 1000;
/** Quick answers without a message that are polled again at once; later ones wait (IDLE_BACKOFF). */
const QUICK_EMPTY_ANSWERS_ALLOWED = 1;
/**
 * A server should hold a poll that has nothing to answer; one that answers at once would be
 * hammered by immediate re-polls, so after QUICK_EMPTY_ANSWERS_ALLOWED such answers the next
 * poll waits 0.5 s, doubling up to 5 s.
 */
const IDLE_BACKOFF: BackoffPolicy = { initialDelay: 500, maxDelay: 5000, factor: 2, jitter: 0 };

/**
 * Long polling: each request is held by the server until it has messages, then answered with a
 * JSON batch; the next request goes out at once with the new cursor. The first request is the
 * handshake, answered at once with the open frame, whose session the later polls name.
 */
export const longpoll: TransportFactory = {
  name: 'longpoll',
  path: '/poll',
  supported: () => typeof XMLHttpRequest !== 'undefined',
  needs: 'XMLHttpRequest',
  open(request, events) {
    let answered = false;
    let session: string | null = null;
    let pending: PendingRequest | null = null;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    let quickEmptyAnswers = 0;
    const life = new ConnectionLife(events, () => {
      sender.close();
      clearTimeout(idleTimer);
      if (pending) pending.abort();
    });
    const sender = new HttpSender('longpoll', request, events, life);
    const poll = () => {
      const sentAt = Date.now();
      pending = httpRequest(
        { method: 'GET', url: request.url({ session }), headers: request.headers(), withCredentials: request.withCredentials },
        (response) => {
          pending = null;
          if (!life.live) return;
          const contentType = response.header('Content-Type') || '';
          const error = responseError('longpoll', response.status, contentType, JSON_TYPE, response.header('Retry-After'), answered);
          if (error) return life.end(error);
          const frames = parseBatch(response.text);
          if (!answered) {
            answered = true;
            events.responded();
          }
          if (!frames) return events.frame(null);
          let messages = 0;
          for (let i = 0; i < frames.length && life.live; i++) {
            const frame = frames[i];
            if (frame.type === 'message') messages++;
            else if (frame.type === 'open') session = frame.session;
            events.frame(frame);
          }
          if (!life.live) return;
          const held = Date.now() - sentAt >= HELD_MS;
          quickEmptyAnswers = messages || held ? 0 : quickEmptyAnswers + 1;
          if (quickEmptyAnswers <= QUICK_EMPTY_ANSWERS_ALLOWED) poll();
          else idleTimer = setTimeout(poll, backoffDelay(IDLE_BACKOFF, quickEmptyAnswers - QUICK_EMPTY_ANSWERS_ALLOWED));
        },
      );
    };
    poll();
    return {
      send: (sending) => {
        if (life.live) sender.send(sending);
      },
      close: () => life.close(),
    };
  },
};
