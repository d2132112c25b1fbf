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
    const finish = (code: number, why: string) => {
      if (!live) return;
      live = false;
      detach();
      if (ws.readyState < 2) ws.close();
      events.end(pushlineError(opened ? 'closed' : 'refused', why, 'websocket', { closeCode: code }));
    };
    const detach = () => {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    };
    ws.onopen = () => {
      opened = true;
      events.responded();
    };
    ws.onmessage = (e: MessageEvent) => {
      const data: unknown = e.data;
      if (typeof data !== 'string') return events.frame(null);
      events.frame(parseFrame(data));
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
        if (!live) return;
        live = false;
        detach();
        ws.close();
      },
    };
  },
};
