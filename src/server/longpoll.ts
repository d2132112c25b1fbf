/**
 * Long polling (PROTOCOL.md "Long polling"). The handshake (no session) is answered at once with
 * [open, ...replay]; from then on the client is open because the history keeps its messages. A
 * poll (session given) is answered as soon as there is anything after its cursor, else held
 * until a publish or the poll timeout, which answers [ping].
 */
import type { ServerResponse } from 'node:http';
import { PING } from './frames.js';
import { send } from './http.js';
import type { Channel } from './protocol.js';

/** A long poll with a session: answered when there is something after its cursor. */
interface Poll {
  res: ServerResponse;
  session: string;
  cursor: string;
}

/** A long poll held until a message or the poll timeout. */
interface HeldPoll extends Poll {
  timer: NodeJS.Timeout;
}

/** A long-poll answer: a JSON array of already encoded frames. */
function answerPoll(res: ServerResponse, frames: string[]): void {
  if (res.headersSent || res.destroyed) return;
  send(res, 200, 'application/json; charset=utf-8', '[' + frames.join(',') + ']');
}

export class LongPolls {
  private readonly held = new Set<HeldPoll>();
  private flushQueued = false;

  /**
   * `pollTimeout`: ms a poll is held; also the heartbeat its open frames announce. `losses(n)`:
   * how many of the next n messages of an answer go missing on the way (the `lose` fault).
   */
  constructor(
    private readonly channel: Channel,
    private readonly pollTimeout: number,
    private readonly losses: (available: number) => number = () => 0,
  ) {}

  /** Polls currently held. */
  get size(): number {
    return this.held.size;
  }

  /**
   * Answers a handshake (`session` null; `ack`: see Channel.opening) or a poll. A poll without a cursor comes from a client
   * whose open frame had last: null, so "everything" is what it has not seen: cursor "0".
   */
  handle(res: ServerResponse, session: string | null, cursor: string | null, ack?: number): void {
    if (!session) {
      const { open, replay } = this.channel.opening(this.channel.newSession('longpoll'), cursor, this.pollTimeout, ack);
      return answerPoll(res, [open, ...replay.map((m) => m.json)]);
    }
    // Unknown sessions are fine (e.g. after a server restart): a poll is defined by its cursor.
    if (!this.channel.transportOf(session)) this.channel.remember(session, 'longpoll');
    const poll: Poll = { res, session, cursor: cursor ?? '0' };
    if (this.answerIfReady(poll)) return;
    const held: HeldPoll = {
      ...poll,
      timer: setTimeout(() => {
        this.held.delete(held);
        answerPoll(res, [PING]);
      }, this.pollTimeout),
    };
    this.held.add(held);
    res.on('close', () => {
      clearTimeout(held.timer);
      this.held.delete(held);
    });
  }

  /**
   * Call after a publish. Held polls are answered in a microtask, so that messages published
   * together (a loop, a batch control request) leave in one response instead of one per poll
   * round trip.
   */
  flushSoon(): void {
    if (this.flushQueued || !this.held.size) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      for (const poll of this.held) {
        if (!this.answerIfReady(poll)) continue;
        clearTimeout(poll.timer);
        this.held.delete(poll);
      }
    });
  }

  /** Abruptly ends every held poll: the client sees a failed request, not an answer. */
  drop(): void {
    for (const poll of this.held) {
      clearTimeout(poll.timer);
      poll.res.destroy();
    }
    this.held.clear();
  }

  /** Forgets every held poll, for close(), which destroys the sockets. */
  close(): void {
    for (const poll of this.held) clearTimeout(poll.timer);
    this.held.clear();
  }

  /** Answers a poll if there is something after its cursor, or a gap open frame if the cursor is gone. */
  private answerIfReady(poll: Poll): boolean {
    const after = this.channel.after(poll.cursor);
    if (after && !after.length) return false;
    if (!after) {
      answerPoll(poll.res, [this.channel.gapFrame(poll.session, this.pollTimeout)]);
      return true;
    }
    // A lossy intermediary drops messages from the front of an answer; the last always gets
    // through, so that the client's next poll asks after the hole, as it would behind one.
    const lost = this.losses(after.length - 1);
    answerPoll(poll.res, after.slice(lost).map((m) => m.json));
    return true;
  }
}
