/**
 * Decodes Pushline frames (PROTOCOL.md, "Frames"). Pure: JSON text or values in, typed frames out.
 * Returns null for anything that is not a valid frame, so the caller can report a protocol error.
 */
export interface MessageFrame {
  type: 'message';
  id: string;
  /**
   * The id of the message before this one on the server's stream (null: none before it), or
   * undefined when the server does not say (`prev` is optional in the protocol).
   */
  prev?: string | null;
  data: string;
  event: string;
}

export interface OpenFrame {
  type: 'open';
  session: string | null;
  resumed: boolean;
  last: string | null;
  gap: boolean;
  /** The reconnection delay the server asks for, in ms, or null. */
  retry: number | null;
  /**
   * The highest sequence number of this client's messages the server has (0: none); absent
   * when the server does not acknowledge messages (the protocol before acknowledgements).
   */
  ack?: number;
}

/** The server has every message of client identity `client` up to `seq`. */
export interface AckFrame {
  type: 'ack';
  client: string;
  seq: number;
}

/** The reconnection delay the server asks for, in ms (SSE's `retry:` field; never sent as JSON). */
export interface RetryFrame {
  type: 'retry';
  delay: number;
}

export type Frame = MessageFrame | OpenFrame | AckFrame | RetryFrame | { type: 'ping' } | { type: 'unknown' };

/** 2^53 - 1 (Number.MAX_SAFE_INTEGER, which ES5 engines lack): past it integers are not exact. */
const MAX_SAFE_INTEGER = 9007199254740991;

/** A sequence number: a whole number from 0 that a double holds exactly. */
function isSequence(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= MAX_SAFE_INTEGER && Math.floor(value) === value;
}

type JsonObject = { [key: string]: unknown };

/**
 * The longest id accepted, in characters (PROTOCOL.md): the client keeps recent ids to drop
 * duplicates, so an unbounded id would let a server (or a proxy) pin memory the size limit on
 * data does not cover.
 */
const MAX_ID = 1024;

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A string no longer than MAX_ID: an id, or a client identity. */
function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_ID;
}

export function decodeFrame(value: unknown): Frame | null {
  if (!value || typeof value !== 'object' || value instanceof Array) return null;
  const o = value as JsonObject;
  const type = o.type;
  if (type === undefined) {
    if (!isId(o.id) || typeof o.data !== 'string') return null;
    const frame: MessageFrame = { type: 'message', id: o.id, data: o.data, event: stringOrNull(o.event) || 'message' };
    const prev = o.prev;
    if (prev !== undefined) {
      if (prev !== null && !isId(prev)) return null;
      frame.prev = prev;
    }
    return frame;
  }
  if (type === 'open') {
    // JSON numbers past the double range parse to Infinity: not a delay anyone can wait for.
    const retry = typeof o.retry === 'number' && o.retry >= 0 && isFinite(o.retry) ? o.retry : null;
    const last = stringOrNull(o.last);
    if (last && !isId(last)) return null;
    const frame: OpenFrame = { type: 'open', session: stringOrNull(o.session), resumed: o.resumed === true, last, gap: o.gap === true, retry };
    if (isSequence(o.ack)) frame.ack = o.ack;
    return frame;
  }
  if (type === 'ack') {
    if (!isId(o.client) || !isSequence(o.seq)) return null;
    return { type: 'ack', client: o.client, seq: o.seq };
  }
  if (type === 'ping') return { type: 'ping' };
  // Forward compatibility: new control frames must not break old clients.
  return typeof type === 'string' ? { type: 'unknown' } : null;
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    return undefined;
  }
}

/** One frame from its JSON text. */
export function parseFrame(text: string): Frame | null {
  return decodeFrame(parseJSON(text));
}

/** A long-poll response body: a JSON array of frames. Null when any element is invalid. */
export function parseBatch(text: string): Frame[] | null {
  const list = parseJSON(text);
  if (!(list instanceof Array)) return null;
  const frames: Frame[] = [];
  for (let i = 0; i < list.length; i++) {
    const f = decodeFrame(list[i]);
    if (!f) return null;
    frames.push(f);
  }
  return frames;
}
