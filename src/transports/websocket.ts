import { pushlineError } from '../errors.js';
import { parseFrame } from '../parse/frame.js';
import { webSocketUrl } from '../url.js';
import { ConnectionLife, type TransportFactory } from './transport.js';

/** The socket is open (WebSocket.OPEN). */
export const OPEN = 1;
/** The socket is closing or closed (WebSocket.CLOSING and CLOSED). */
export const CLOSING = 2;
/** The close code browsers report for a connection that ended without a close frame. */
export const ABNORMAL_CLOSURE = 1006;

/**
 * Native WebSocket: one text frame per Pushline frame; client frames are the application's sends.
 * A browser WebSocket cannot carry request headers, so the token goes in the `access_token`
 * query parameter (PROTOCOL.md).
 */
export const websocket: TransportFactory = {
  name: 'websocket',
  path: '/ws',
  // Old Safari reports typeof WebSocket === 'object'.
  supported: () => typeof WebSocket !== 'undefined',
  open(request, events) {
    const socket = new WebSocket(webSocketUrl(request.url({ access_token: request.token() })));
    let opened = false;
    const life = new ConnectionLife(events, () => {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      if (socket.readyState < CLOSING) socket.close();
    });
    const fail = (code: number, why: string) =>
      life.end(pushlineError(opened ? 'closed' : 'refused', why, 'websocket', { closeCode: code }));
    socket.onopen = () => {
      opened = true;
      events.responded();
    };
    socket.onmessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      events.frame(typeof data === 'string' ? parseFrame(data) : null);
    };
    socket.onclose = (event: CloseEvent) => fail(event.code, 'closed ' + event.code + ' ' + event.reason);
    // After open, an error is always followed by close, which carries the code; before open
    // some engines (and proxies that swallow the handshake) give only the error.
    socket.onerror = () => {
      if (!opened) fail(ABNORMAL_CLOSURE, 'failed');
    };
    return {
      send(data) {
        if (!life.live || socket.readyState !== OPEN) return false;
        socket.send(data);
        return true;
      },
      close: () => life.close(),
    };
  },
};
