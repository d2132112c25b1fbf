/**
 * GRIP for an origin behind pushpin: the instruction headers, WebSocket-over-HTTP events, the
 * Grip-Last header pushpin sends when it recovers, and a publisher for pushpin's HTTP publish
 * API. Nothing here knows the Pushline protocol (origin.mjs does).
 *
 * Written from pushpin's documentation and its 1.36 sources (Debian bookworm's package); the
 * behaviour the origin relies on is described in docs/pushpin.md.
 */

// ---- instructions (response headers) --------------------------------------------------------

/** `Grip-Channel`: subscribe the held response to `channel`; with `prevId`, pushpin checks each
 *  published item's `prev-id` against it and recovers from the origin when they differ. */
export function channelHeader(channel, prevId = null) {
  return prevId === null ? channel : `${channel}; prev-id=${prevId}`;
}

/**
 * `Grip-Link` rel=next: where pushpin asks for what a stream missed. It asks when a published
 * item's prev-id is not the stream's last id, and when the stream has been quiet for `timeout`
 * seconds (so that a lost last message is found too).
 */
export function nextLinkHeader(uri, timeout) {
  return `<${uri}>; rel=next; timeout=${timeout}`;
}

/**
 * `Grip-Keep-Alive`: bytes pushpin writes on a held stream after `timeout` seconds of silence.
 * The value goes in the "cstring" format with every byte but letters and digits as \xHH, so
 * that no quote, semicolon or comma in it can be mistaken for header syntax.
 */
export function keepAliveHeader(text, timeout) {
  let escaped = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    escaped += /[A-Za-z0-9]/.test(c) ? c : '\\x' + byte.toString(16).padStart(2, '0');
  }
  return `${escaped}; format=cstring; timeout=${timeout}`;
}

/**
 * The last ids pushpin names in the `Grip-Last` request header of a next-link request (and of
 * a retried long poll): `chan-a; last-id=4, chan-b; last-id=9`. Returns channel -> id.
 */
export function gripLastIds(header) {
  const ids = new Map();
  if (typeof header !== 'string') return ids;
  for (const entry of header.split(',')) {
    const [name, ...params] = entry.split(';').map((s) => s.trim());
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq > 0 && param.slice(0, eq).trim() === 'last-id') ids.set(name, param.slice(eq + 1).trim());
    }
  }
  return ids;
}

/** Seconds for a GRIP header, from milliseconds: whole, at least 1. */
export function seconds(ms) {
  return Math.max(1, Math.round(ms / 1000));
}

// ---- WebSocket-over-HTTP --------------------------------------------------------------------

/** The content type of WebSocket-over-HTTP requests and responses. */
export const WEBSOCKET_EVENTS = 'application/websocket-events';

const CRLF = Buffer.from('\r\n');

/**
 * Parses a WebSocket-over-HTTP body: events `TYPE\r\n` or `TYPE <hex length>\r\n<content>\r\n`
 * (OPEN, TEXT, BINARY, PING, PONG, CLOSE, DISCONNECT). Returns [{ type, content }] with content
 * a Buffer or null; throws on a malformed body.
 */
export function parseWebSocketEvents(body) {
  const events = [];
  let at = 0;
  while (at < body.length) {
    const lineEnd = body.indexOf(CRLF, at);
    if (lineEnd < 0) throw new Error('websocket-events: event line without CRLF');
    const line = body.subarray(at, lineEnd).toString('latin1');
    at = lineEnd + 2;
    const space = line.indexOf(' ');
    if (space < 0) {
      events.push({ type: line, content: null });
      continue;
    }
    const length = parseInt(line.slice(space + 1), 16);
    if (!Number.isInteger(length) || length < 0 || at + length + 2 > body.length) throw new Error('websocket-events: bad content length');
    events.push({ type: line.slice(0, space), content: body.subarray(at, at + length) });
    at += length + 2;
  }
  return events;
}

/** One WebSocket-over-HTTP event, as bytes; `content` (text as UTF-8, or bytes) for TEXT and CLOSE. */
export function webSocketEvent(type, content = null) {
  if (content === null) return Buffer.from(`${type}\r\n`, 'latin1');
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return Buffer.concat([Buffer.from(`${type} ${bytes.length.toString(16)}\r\n`, 'latin1'), bytes, CRLF]);
}

/** A CLOSE event's content: the status code (2 bytes, big-endian), then the reason. */
export function closeContent(code, reason = '') {
  const reasonBytes = Buffer.from(reason, 'utf8');
  const bytes = Buffer.alloc(2 + reasonBytes.length);
  bytes.writeUInt16BE(code, 0);
  reasonBytes.copy(bytes, 2);
  return bytes;
}

/** A GRIP control message for the WebSocket connection (`c:` prefix), as a TEXT event. */
export function controlEvent(message) {
  return webSocketEvent('TEXT', 'c:' + JSON.stringify(message));
}

// ---- publishing -----------------------------------------------------------------------------

/**
 * pushpin's publish endpoint takes at most push_in_http_max_body_size bytes per request
 * (default 1,000,000): items are sent in requests of about this size at most.
 */
const PUBLISH_BODY_TARGET = 256 * 1024;

/**
 * Publishes items to pushpin's HTTP publish API (`POST {url}/publish/`, pushpin's
 * push_in_http_port, 5561 by default), strictly in the order given: one request at a time, the
 * items that queued up meanwhile going together in the next. pushpin's sequencer holds back an
 * item whose prev-id it has not seen published yet (up to message_wait ms), so publishing out of
 * order would cost delay, and a lost request would look like a reordering first.
 */
export class Publisher {
  constructor(url) {
    this.endpoint = url.replace(/\/+$/, '') + '/publish/';
    this.queue = [];
    this.sending = false;
  }

  /** Resolves once pushpin has accepted the items; rejects when it did not (they are not retried). */
  publish(items) {
    if (!items.length) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject, size: JSON.stringify(items).length });
      if (!this.sending) this.drain();
    });
  }

  async drain() {
    this.sending = true;
    while (this.queue.length) {
      const batch = [this.queue.shift()];
      let size = batch[0].size;
      while (this.queue.length && size + this.queue[0].size <= PUBLISH_BODY_TARGET) {
        size += this.queue[0].size;
        batch.push(this.queue.shift());
      }
      try {
        const res = await fetch(this.endpoint, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ items: batch.flatMap((entry) => entry.items) }),
        });
        const answer = await res.text();
        if (!res.ok) throw new Error(`pushpin publish: HTTP ${res.status} ${answer.trim()}`);
        for (const entry of batch) entry.resolve();
      } catch (err) {
        for (const entry of batch) entry.reject(err);
      }
    }
    this.sending = false;
  }
}
