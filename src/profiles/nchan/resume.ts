/**
 * Resuming an nchan channel without a silent hole. Asked for what follows an id it no longer has
 * (pushed out by `nchan_message_buffer_length`, expired, or lost with a Redis store that
 * restarted without persistence), nchan says nothing: it answers with the oldest message it
 * still has, or holds the request until the next one is published (docs/nchan.md, "Gaps").
 * What the client can still tell, it tells with `gap`:
 *
 * - Each message is checked against the one before it (succession() in parse.ts): a message
 *   whose id names a predecessor other than the last one delivered, or that is not newer than
 *   it, shows messages missing.
 * - The first message of a second names no predecessor, so a resume from id C does not ask for
 *   what follows C but for what follows C's predecessor P, and expects C first: C again means
 *   nchan still had it, and what comes next follows it; anything else means nchan no longer had
 *   C, and what it sends instead may not follow C. C is dropped (the client has it).
 *
 * Pure: no timers, no I/O. node.ts applies it to every transport.
 */
import { parsePosition, predecessorOf, succession } from './parse.js';

export interface DeliveredMessage {
  id: string;
  data: string;
}

/**
 * The last two messages the nchan connections of one client delivered, whatever the transport:
 * the message before the client's cursor, when the cursor's id does not name it.
 */
export class RecentMessages {
  previous: DeliveredMessage | null = null;
  last: DeliveredMessage | null = null;

  record(id: string, data: string): void {
    this.previous = this.last;
    this.last = { id, data };
  }
}

/** What a connection asks nchan for, and what it expects before the messages it delivers. */
export interface ResumePlan {
  /** The id to ask nchan to continue after, or null (nchan's `nchan_subscriber_first_message`). */
  ask: string | null;
  /** Messages to drop first: a resume from a position id (parse.ts, positionId()). */
  skip: number;
  /** The client's cursor, asked for again to prove that nchan still has it, or null. */
  expect: string | null;
}

/**
 * How a connection resumes from the client's `cursor`. `unnamedMessages`: the transport may
 * deliver messages without an id of their own (long-poll batches), so it can recognize the
 * cursor's message asked again only by its body, which only `recent` knows.
 */
export function planResume(cursor: string | null, recent: RecentMessages, unnamedMessages: boolean): ResumePlan {
  if (cursor === null) return { ask: null, skip: 0, expect: null };
  const position = parsePosition(cursor);
  if (position) return { ask: position.anchor || null, skip: position.count, expect: null };
  const last = recent.last;
  const deliveredHere = last !== null && last.id === cursor;
  // The message delivered before the cursor, if it has an nchan id (not a position).
  const previous = deliveredHere && recent.previous && !parsePosition(recent.previous.id) ? recent.previous.id : null;
  const before = predecessorOf(cursor) || previous;
  if (before && (deliveredHere || !unnamedMessages)) return { ask: before, skip: 0, expect: cursor };
  return { ask: cursor, skip: 0, expect: null };
}

/** What to do with a message: deliver it, drop it, or deliver it after telling of a gap. */
export type Verdict = 'deliver' | 'drop' | 'gap';

/** Checks the messages of one connection, in order, against the plan it resumed with. */
export class Continuity {
  /** The id the next message must follow (null: nothing to check against). */
  private after: string | null;
  private skip: number;
  private expect: string | null;

  constructor(
    cursor: string | null,
    private readonly plan: ResumePlan,
    private readonly recent: RecentMessages,
  ) {
    this.after = plan.expect === null && plan.skip === 0 ? cursor : null;
    this.skip = plan.skip;
    this.expect = plan.expect;
  }

  check(id: string, data: string): Verdict {
    if (this.skip > 0) {
      this.skip--;
      return 'drop';
    }
    const expected = this.expect;
    this.expect = null;
    if (expected !== null) {
      this.after = id;
      if (id === expected || this.isExpectedUnnamed(id, data, expected)) return 'drop';
      // nchan no longer had the cursor's message: what it sends instead follows the cursor only
      // if its id says so.
      return succession(expected, id) === 'next' ? 'deliver' : 'gap';
    }
    const previous = this.after;
    this.after = id;
    if (previous === null) return 'deliver';
    const order = succession(previous, id);
    if (order === 'same') return 'drop';
    return order === 'hole' || order === 'behind' ? 'gap' : 'deliver';
  }

  /** The first message of an answer without ids is the expected one if its body is the cursor's. */
  private isExpectedUnnamed(id: string, data: string, expected: string): boolean {
    const position = parsePosition(id);
    const last = this.recent.last;
    return !!position && position.count === 1 && position.anchor === this.plan.ask && last !== null && last.id === expected && last.data === data;
  }
}
