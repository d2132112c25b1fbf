/**
 * Frame encoding (PROTOCOL.md "Frames"), and the per-transport framing of SSE and streaming.
 * Pure string functions. JSON.stringify emits no insignificant whitespace and keeps the key
 * order of the object literal, which the protocol's examples follow.
 */

export const PING = '{"type":"ping"}';

export interface OpenFrame {
  session: string;
  resumed: boolean;
  last: string | null;
  heartbeat: number;
  gap?: boolean;
  /** Reconnection time the server asks for, in ms. */
  retry?: number;
  /** For a client that named its identity: the highest seq of its messages the server has (0: none). */
  ack?: number;
}

export function openFrame(open: OpenFrame): string {
  const frame: Record<string, unknown> = { type: 'open', session: open.session, resumed: open.resumed, last: open.last, heartbeat: open.heartbeat };
  if (open.gap) frame.gap = true;
  if (open.retry !== undefined) frame.retry = open.retry;
  if (open.ack !== undefined) frame.ack = open.ack;
  return JSON.stringify(frame);
}

/**
 * Message frame: keys id, prev (the id of the message before it, null for the first), event
 * (only when not the default "message"), data. The id comes first: a client names a frame too
 * large to read by the id at its head.
 */
export function messageFrame(id: string, prev: string | null, data: string, event?: string): string {
  return JSON.stringify(event !== undefined && event !== 'message' ? { id, prev, event, data } : { id, prev, data });
}

/** One SSE event; message frames also carry the SSE id so native EventSource tracks it too. */
export function sseEvent(json: string, id: string | null): string {
  // The JSON contains no CR or LF (encoders escape them), so it fits one data line.
  return (id === null ? '' : `id: ${id}\n`) + `data: ${json}\n\n`;
}

export const SSE_PRELUDE = ': pushline\n\n';

/** Streaming prelude: 2,048 spaces and a delimiter, for engines and proxies that hold back small first chunks. */
export function streamPrelude(delimiter: string): string {
  return ' '.repeat(2048) + delimiter;
}

/**
 * The characters a whitespace-free JSON encoder can emit outside string contents, escape
 * sequences included (plus space, which the rule also excludes).
 */
const JSON_SYNTAX = new Set('{}[]:,+-.0123456789Eabcdeflnrstu ');

/**
 * The delimiter safety rule. Returns a function that makes an encoded frame safe to send
 * followed by `delimiter`, or null when the delimiter is invalid (the server answers 400):
 * empty, containing `"` or `\`, or made only of characters JSON syntax can emit.
 *
 * The first character c of the delimiter outside JSON_SYNTAX can occur in an encoded frame only
 * inside string contents, where its escape \uXXXX decodes to the same text. Escaping every c
 * leaves the frame without c, hence without the delimiter. (For "\n" there is never anything to
 * replace: encoders always escape a newline.)
 */
export function delimiterEscaper(delimiter: string): ((json: string) => string) | null {
  if (!delimiter || delimiter.includes('"') || delimiter.includes('\\')) return null;
  // Iterate by code point: a non-BMP c is escaped as its surrogate pair, \uXXXX\uXXXX.
  for (const c of delimiter) {
    if (JSON_SYNTAX.has(c)) continue;
    let escaped = '';
    for (let i = 0; i < c.length; i++) escaped += '\\u' + c.charCodeAt(i).toString(16).padStart(4, '0');
    return (json) => (json.includes(c) ? json.replaceAll(c, escaped) : json);
  }
  return null;
}
