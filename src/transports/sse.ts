import { pushlineError } from '../errors.js';
import { parseFrame } from '../parse/frame.js';
import type { TransportFactory } from './transport.js';

/**
 * Native EventSource. Every Pushline frame arrives as an unnamed event (see PROTOCOL.md for why).
 * The native object would reconnect on its own after an error; Pushline closes it instead,
 * so that one policy (client.ts) decides about retries, backoff and fallback for every transport.
 */
export const sse: TransportFactory = {
  name: 'sse',
  supported: () => typeof EventSource !== 'undefined',
  open(req, events) {
    const es = new EventSource(req.url(), { withCredentials: req.withCredentials });
    let opened = false;
    let live = true;
    const stop = () => {
      live = false;
      es.onopen = es.onmessage = es.onerror = null;
      es.close();
    };
    es.onopen = () => {
      opened = true;
      events.responded();
    };
    es.onmessage = (e: MessageEvent<string>) => {
      events.frame(parseFrame(e.data));
    };
    es.onerror = () => {
      if (!live) return;
      stop();
      events.end(
        pushlineError(
          opened ? 'closed' : 'refused',
          opened ? 'ended' : 'failed',
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
  },
};
