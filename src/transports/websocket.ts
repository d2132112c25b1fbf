import { pushlineError } from '../errors.js';
import { parseFrame } from '../parse/frame.js';
import type { TransportFactory } from './transport.js';

/** Native WebSocket: one text frame per Pushline frame; client frames are the application's sends. */
export const websocket: TransportFactory = {
  name: 'websocket',
  // Old Safari reports typeof WebSocket === 'object'.
  supported: () => typeof WebSocket !== 'undefined',
  open(req, events) {
    const ws = new WebSocket(req.url());
    let opened = false;
    let live = true;
    // close() on a closing or closed socket does nothing, so the guard only saves the call.
    const stop = () => {
      live = false;
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      if (ws.readyState < 2) ws.close();
    };
    const finish = (code: number, why: string) => {
      if (!live) return;
      stop();
      events.end(pushlineError(opened ? 'closed' : 'refused', why, 'websocket', { closeCode: code }));
    };
    ws.onopen = () => {
      opened = true;
      events.responded();
    };
    ws.onmessage = (e: MessageEvent) => {
      const data: unknown = e.data;
      events.frame(typeof data === 'string' ? parseFrame(data) : null);
    };
    ws.onclose = (e: CloseEvent) => finish(e.code, 'closed ' + e.code + ' ' + e.reason);
    // After open, an error is always followed by close, which carries the code; before open
    // some engines (and proxies that swallow the handshake) give only the error.
    ws.onerror = () => {
      if (!opened) finish(1006, 'failed');
    };
    return {
      send(data) {
        if (!live || ws.readyState !== 1) return false;
        ws.send(data);
        return true;
      },
      close() {
        if (live) stop();
      },
    };
  },
};
