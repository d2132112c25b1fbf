import { pushlineError } from '../../errors.js';
import { nodeUrl, type Connect } from './node.js';
import { parseMetaFrame } from './parse.js';

/** The nchan WebSocket subprotocol that prefixes each message with its id. */
export const META_PROTOCOL = 'ws+meta.nchan';

export interface WebSocketOptions {
  /**
   * Application-level keep-alive, for `nchan_websocket_client_heartbeat <send> <reply>`: the
   * adapter sends `send` every `interval` ms and counts each `reply` as a heartbeat (browsers
   * cannot see WebSocket ping frames, so `nchan_websocket_ping_interval` keeps proxies happy but
   * tells the client nothing).
   */
  heartbeat: { send: string; reply: string; interval: number } | null;
  /** The location is also a publisher (`nchan_pubsub`): send() publishes over the socket. */
  publish: boolean;
}

/**
 * nchan's WebSocket subscriber with the `ws+meta.nchan` subprotocol: one text frame per message,
 * `id: <id>\ncontent-type: <type>\n\n<body>`. Resumes with `?last_event_id=` (a browser
 * WebSocket cannot send headers).
 */
export function websocketConnect(options: WebSocketOptions): Connect {
  return (url, cursor, req, sink) => {
    const ws = new WebSocket(nodeUrl(url, '', cursor).replace(/^http/i, 'ws'), [META_PROTOCOL]);
    let opened = false;
    let live = true;
    let beat: ReturnType<typeof setInterval> | null = null;
    const hb = options.heartbeat;
    const stop = () => {
      live = false;
      if (beat !== null) clearInterval(beat);
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      if (ws.readyState < 2) ws.close();
    };
    ws.onopen = () => {
      // Engines that do not enforce the subprotocol handshake: without it frames have no ids.
      if (ws.protocol && ws.protocol !== META_PROTOCOL) {
        stop();
        return sink.end(pushlineError('refused', 'nchan did not accept the ' + META_PROTOCOL + ' subprotocol', 'websocket'));
      }
      opened = true;
      if (hb) {
        beat = setInterval(() => {
          if (ws.readyState === 1) ws.send(hb.send);
        }, hb.interval);
      }
      sink.open();
    };
    ws.onmessage = (e: MessageEvent) => {
      const data: unknown = e.data;
      if (typeof data !== 'string') return sink.garbage('a binary WebSocket frame');
      if (hb && data === hb.reply) return sink.ping();
      if (data.length > req.maxMessageSize) {
        stop();
        return sink.end(pushlineError('too-large', 'a WebSocket frame exceeded maxMessageSize', 'websocket'));
      }
      const m = parseMetaFrame(data);
      if (!m) return sink.garbage('a WebSocket frame without ' + META_PROTOCOL + ' metadata');
      sink.message(m.id, m.data);
    };
    // nchan closes with 1000 and the HTTP status as the reason ("408 Request Timeout" at
    // nchan_subscriber_timeout, "410 Gone" when the channel is deleted).
    ws.onclose = (e: CloseEvent) => {
      if (!live) return;
      stop();
      const why = 'WebSocket closed with code ' + e.code + (e.reason ? ' (' + e.reason + ')' : '');
      sink.end(pushlineError(opened ? 'closed' : 'refused', why, 'websocket', { closeCode: e.code }));
    };
    ws.onerror = () => {
      if (!live || opened) return;
      stop();
      sink.end(pushlineError('refused', 'WebSocket failed before open', 'websocket', { closeCode: 1006 }));
    };
    return {
      send(data) {
        if (!options.publish || !live || ws.readyState !== 1) return false;
        ws.send(data);
        return true;
      },
      close() {
        if (live) stop();
      },
    };
  };
}
