import { parseRetryAfter, pushlineError } from '../errors.js';
import { sendFrame } from '../outbox.js';
import { parseFrame } from '../parse/frame.js';
import { webSocketUrl } from '../url.js';
import { ConnectionLife, type Sending, type TransportEvents, type TransportFactory } from './transport.js';

/** The socket is open (WebSocket.OPEN). */
export const OPEN = 1;
/** The socket is closing or closed (WebSocket.CLOSING and CLOSED). */
export const CLOSING = 2;
/** The close code browsers report for a connection that ended without a close frame. */
export const ABNORMAL_CLOSURE = 1006;
/**
 * A busy server closes with 4503 (as HTTP's 503; 4429 as 429) and may name the wait in the reason,
 * `Retry-After: 2` (PROTOCOL.md). Not 1013 (Try Again Later), which WebKit turns into 1006.
 */
const BUSY_CLOSE_CODES = [4503, 4429, 1013];
const RETRY_AFTER_REASON = /retry-after:\s*(\d+)/i;

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
  needs: 'WebSocket',
  open(request, events) {
    const socket = new WebSocket(webSocketUrl(request.url({ access_token: request.token() })));
    let opened = false;
    const life = new ConnectionLife(events, () => {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      if (socket.readyState < CLOSING) socket.close();
    });
    const fail = (code: number, why: string) => {
      const wait = BUSY_CLOSE_CODES.indexOf(code) >= 0 ? RETRY_AFTER_REASON.exec(why) : null;
      life.end(pushlineError(opened ? 'closed' : 'refused', why, 'websocket', { closeCode: code, retryAfter: wait ? parseRetryAfter(wait[1]) : undefined }));
    };
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
      send(sending) {
        if (!life.live || socket.readyState !== OPEN) return;
        writeMessages(sending, events, (frame) => {
          socket.send(frame);
          return true;
        });
      },
      close: () => life.close(),
    };
  },
};

/**
 * Writes every message of the outbox not yet written on this connection, in order, until
 * `write` says it cannot (returns false); returns whether everything was written. To a server
 * that acknowledges, numbered frames that wait for its acknowledgements; to one that does not,
 * each message verbatim, done once written (a message written into a socket that is already
 * going away is lost then: at most once, which is why servers should acknowledge).
 */
export function writeMessages(sending: Sending, events: TransportEvents, write: (frame: string) => boolean): boolean {
  const messages = sending.outbox.messages;
  const identity = sending.outbox.identity;
  /** Per sender, the last message written verbatim: done. */
  const written: { [sender: string]: number } = {};
  let all = true;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message.writtenOn === sending.connectionId) continue;
    if (!write(sending.acknowledging ? sendFrame(message, identity) : message.data)) {
      all = false;
      break;
    }
    message.writtenOn = sending.connectionId;
    if (!sending.acknowledging) written[message.client] = message.seq;
  }
  for (const sender in written) events.acknowledged(sender, written[sender]);
  return all;
}
