import { pushlineError } from '../errors.js';
import { parseFrame } from '../parse/frame.js';
import { HttpSender } from '../io/http-send.js';
import { ConnectionLife, type TransportFactory } from './transport.js';

/**
 * Native EventSource. Every Pushline frame arrives as an unnamed event (see PROTOCOL.md for why).
 * The native object would reconnect on its own after an error; Pushline closes it instead,
 * so that one policy (client.ts) decides about retries, backoff and fallback for every transport.
 * EventSource cannot carry request headers, so the token goes in the `access_token` query parameter.
 */
export const sse: TransportFactory = {
  name: 'sse',
  path: '/sse',
  supported: () => typeof EventSource !== 'undefined',
  open(request, events) {
    const source = new EventSource(request.url({ access_token: request.token() }), { withCredentials: request.withCredentials });
    let opened = false;
    const sender = new HttpSender('sse', request, events);
    const life = new ConnectionLife(events, () => {
      sender.close();
      source.onopen = source.onmessage = source.onerror = null;
      source.close();
    });
    source.onopen = () => {
      opened = true;
      events.responded();
    };
    source.onmessage = (event: MessageEvent<string>) => {
      events.frame(parseFrame(event.data));
    };
    source.onerror = () => life.end(pushlineError(opened ? 'closed' : 'refused', opened ? 'ended' : 'failed', 'sse'));
    return {
      send: (sending) => {
        if (life.live) sender.send(sending);
      },
      close: () => life.close(),
    };
  },
};
