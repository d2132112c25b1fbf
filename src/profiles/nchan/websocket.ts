import { pushlineError } from '../../errors.js';
import { ConnectionLife } from '../../transports/transport.js';
import { ABNORMAL_CLOSURE, CLOSING, OPEN } from '../../transports/websocket.js';
import { webSocketUrl } from '../../url.js';
import { subscriberUrl, type Connect } from './node.js';
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
  return (url, cursor, request, sink) => {
    // A browser WebSocket cannot carry headers: the token goes in the query, as on the core transport.
    const socket = new WebSocket(webSocketUrl(subscriberUrl(url, cursor, { access_token: request.token() })), [META_PROTOCOL]);
    let opened = false;
    let heartbeatTimer: ReturnType<typeof setInterval> | undefined;
    const heartbeat = options.heartbeat;
    const life = new ConnectionLife(sink, () => {
      clearInterval(heartbeatTimer);
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      if (socket.readyState < CLOSING) socket.close();
    });
    socket.onopen = () => {
      // Engines that do not enforce the subprotocol handshake: without it frames have no ids.
      if (socket.protocol && socket.protocol !== META_PROTOCOL) {
        return life.end(pushlineError('refused', 'nchan did not accept the ' + META_PROTOCOL + ' subprotocol', 'websocket'));
      }
      opened = true;
      if (heartbeat) {
        heartbeatTimer = setInterval(() => {
          if (socket.readyState === OPEN) socket.send(heartbeat.send);
        }, heartbeat.interval);
      }
      sink.open();
    };
    socket.onmessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      if (typeof data !== 'string') return sink.garbage('a binary WebSocket frame');
      if (heartbeat && data === heartbeat.reply) return sink.ping();
      if (data.length > request.maxMessageSize) {
        return life.end(pushlineError('too-large', 'a WebSocket frame exceeded maxMessageSize', 'websocket'));
      }
      const message = parseMetaFrame(data);
      if (!message) return sink.garbage('a WebSocket frame without ' + META_PROTOCOL + ' metadata');
      sink.message(message.id, message.data);
    };
    // nchan closes with 1000 and the HTTP status as the reason ("408 Request Timeout" at
    // nchan_subscriber_timeout, "410 Gone" when the channel is deleted).
    socket.onclose = (event: CloseEvent) => {
      const why = 'WebSocket closed with code ' + event.code + (event.reason ? ' (' + event.reason + ')' : '');
      life.end(pushlineError(opened ? 'closed' : 'refused', why, 'websocket', { closeCode: event.code }));
    };
    socket.onerror = () => {
      if (!opened) life.end(pushlineError('refused', 'WebSocket failed before open', 'websocket', { closeCode: ABNORMAL_CLOSURE }));
    };
    return {
      send(data) {
        if (!options.publish || !life.live || socket.readyState !== OPEN) return false;
        socket.send(data);
        return true;
      },
      close: () => life.close(),
    };
  };
}
