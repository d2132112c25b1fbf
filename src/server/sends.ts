/**
 * Client-to-server messages (PROTOCOL.md, "Client to server"): each client numbers its messages
 * within its identity, and the server hands each one to the application once, keeping per
 * identity the highest number it handed over. Pure: text in, values out; no I/O, no timers.
 */

/** The most client identities remembered; the least recently active is forgotten first. */
export const SENDERS_KEPT = 10000;
/** The longest client identity accepted, in characters (as the longest message id). */
const MAX_IDENTITY = 1024;

/** One message from a client, as its identity numbered it. */
export interface ClientMessage {
  client: string;
  seq: number;
  data: string;
}

/**
 * The highest sequence number handed to the application, per client identity. A message at or
 * below it is a duplicate (sent again after a reconnection, or by a new leader tab). Numbers may
 * skip (a client drops a message the server refused): anything above the last one is new.
 */
export class Senders {
  private readonly last = new Map<string, number>();

  /** The highest seq of `client` handed to the application; 0 when none, or when forgotten. */
  lastSeq(client: string): number {
    return this.last.get(client) ?? 0;
  }

  /** True when `seq` is new for `client`: it becomes the last. False for a duplicate. */
  accept(client: string, seq: number): boolean {
    const last = this.lastSeq(client);
    // Deleting first moves the identity to the end of the Map's order: the most recently active.
    this.last.delete(client);
    this.last.set(client, Math.max(last, seq));
    if (this.last.size > SENDERS_KEPT) this.last.delete(this.last.keys().next().value as string);
    return seq > last;
  }
}

function isIdentity(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_IDENTITY;
}

function isSequence(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A WebSocket frame of a client that named its identity: `{"seq","data"}`, with `"client"` when
 * it carries another tab's message. Null when it is not one.
 */
export function parseSendFrame(text: string, connectionClient: string): ClientMessage | null {
  return sendFrameOf(parse(text), connectionClient);
}

function sendFrameOf(frame: unknown, connectionClient: string): ClientMessage | null {
  if (!frame || typeof frame !== 'object' || Array.isArray(frame)) return null;
  const { client = connectionClient, seq, data } = frame as { client?: unknown; seq?: unknown; data?: unknown };
  if (!isIdentity(client) || !isSequence(seq) || typeof data !== 'string') return null;
  return { client, seq, data };
}

/**
 * A POST body: a JSON array of the frames a WebSocket carries (parseSendFrame), `client` taken
 * from the query when a frame has none. Null when it is not one.
 */
export function parseBatch(text: string, connectionClient: string): ClientMessage[] | null {
  const frames = parse(text);
  if (!Array.isArray(frames)) return null;
  const messages: ClientMessage[] = [];
  for (const frame of frames) {
    const message = sendFrameOf(frame, connectionClient);
    if (!message) return null;
    messages.push(message);
  }
  return messages;
}

/** The WebSocket frame that acknowledges every message of `client` up to `seq`. */
export function ackFrame(client: string, seq: number): string {
  return JSON.stringify({ type: 'ack', client, seq });
}

/** A client identity from a query parameter, or null when absent or not one. */
export function identityOf(url: URL): string | null {
  const client = url.searchParams.get('client');
  return isIdentity(client) ? client : null;
}
