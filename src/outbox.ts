/**
 * Client-to-server messages until the server has them: numbered within a client identity, kept
 * until the server acknowledges them (PROTOCOL.md, "Client to server"), sent again after a
 * reconnection on whatever transport the client then has, so that the server can hand each one
 * to its application exactly once, in send order. Pure bookkeeping: no I/O, no timers; the
 * client writes and POSTs what this says.
 */
import type { PushlineError } from './types.js';

/** Called once per message: null when the server has it, or the error that means it never will. */
export type SendCallback = (error: PushlineError | null) => void;

/** A message on its way to the server. */
export interface OutgoingMessage {
  /** The client identity it was sent under (this client's, or another tab's with `shared: true`). */
  client: string;
  /** Its number within that identity, from 1. */
  seq: number;
  data: string;
  done: SendCallback | null;
  /** The connection it was last written on (its attempt id), 0 when on none yet. */
  writtenOn: number;
}

/**
 * A client identity: the time in base 36 and 52 random bits. Two clients of one server would
 * collide (and the server drop one's messages as the other's) only if they started in the same
 * millisecond with the same random number.
 */
export function newClientIdentity(): string {
  return Date.now().toString(36) + Math.random().toString(36).slice(2);
}

/**
 * One message as a client frame (PROTOCOL.md, "Client to server"), on a WebSocket or in a POST's
 * batch: `client` only when it is not the connection's own identity (a sharing follower's).
 */
export function sendFrame(message: OutgoingMessage, ownIdentity: string): string {
  const frame = message.client === ownIdentity ? { seq: message.seq, data: message.data } : { client: message.client, seq: message.seq, data: message.data };
  return JSON.stringify(frame);
}

export class Outbox {
  /** Messages not yet acknowledged, oldest first (replaced, not changed in place, when some leave). */
  messages: OutgoingMessage[] = [];
  private nextSeq = 1;

  constructor(
    /** This client's identity: its own messages are numbered under it. */
    readonly identity: string,
    /** The most messages kept (`sendQueueSize`). */
    private readonly limit: number,
  ) {}

  /** Numbers and keeps one of this client's messages; null when the outbox is full. */
  add(data: string, done: SendCallback | null): OutgoingMessage | null {
    if (this.messages.length >= this.limit) return null;
    const message: OutgoingMessage = { client: this.identity, seq: this.nextSeq++, data, done, writtenOn: 0 };
    this.messages.push(message);
    return message;
  }

  /**
   * The server has every message of `client` up to `seq`: they are done. Returns them, so that
   * the caller can tell another tab; their callbacks are called here.
   */
  acknowledge(client: string, seq: number): OutgoingMessage[] {
    const done: OutgoingMessage[] = [];
    const kept: OutgoingMessage[] = [];
    for (let i = 0; i < this.messages.length; i++) {
      const each = this.messages[i];
      if (each.client === client && each.seq <= seq) done.push(each);
      else kept.push(each);
    }
    if (!done.length) return done;
    this.messages = kept;
    for (let i = 0; i < done.length; i++) settle(done[i], null);
    return done;
  }

  /** These messages will never reach the server: they leave with `error`. */
  fail(messages: OutgoingMessage[], error: PushlineError): void {
    this.messages = this.messages.filter((each) => messages.indexOf(each) < 0);
    for (let i = 0; i < messages.length; i++) settle(messages[i], error);
  }

  /** Every message leaves with `error` (the client closed). */
  failAll(error: PushlineError): void {
    this.fail(this.messages.slice(), error);
  }
}

function settle(message: OutgoingMessage, error: PushlineError | null): void {
  const done = message.done;
  message.done = null;
  if (done) done(error);
}
