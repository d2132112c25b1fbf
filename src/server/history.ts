/**
 * The bounded message history that makes resume possible: a ring of the last `capacity`
 * published values. Pure: no I/O, no timers.
 *
 * Ids are the decimal strings "1", "2", … in publication order, so "everything after X" is a
 * range computation, not a search. Id X can be resumed when every message after it is still
 * kept: X is the newest id, or any id from the one just before the oldest kept message
 * ("0" while nothing has been evicted) up to the newest. Anything else — evicted, unknown
 * (not a canonical decimal id), or newer than the newest (e.g. a cursor from before a server
 * restart) — is not resumable: the caller reports a gap.
 */
export class History<T> {
  private readonly ring: T[] = [];
  private count = 0; // messages ever appended = the newest id

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError('history capacity must be an integer ≥ 0');
  }

  /** The newest id, or null when nothing has been published. */
  get latest(): string | null {
    return this.count ? String(this.count) : null;
  }

  /** Number of messages currently kept. */
  get size(): number {
    return Math.min(this.count, this.capacity);
  }

  /** Appends a value in O(1), evicting the oldest when full; returns its id. */
  append(value: T): string {
    if (this.capacity) this.ring[this.count % this.capacity] = value;
    this.count++;
    return String(this.count);
  }

  /** The id the next append() will return. */
  get nextId(): string {
    return String(this.count + 1);
  }

  /**
   * Everything published after `id`, oldest first, or null when `id` cannot be resumed.
   * Costs O(messages returned).
   */
  after(id: string): T[] | null {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(id)) return null;
    const n = Number(id);
    if (n > this.count || n < this.count - this.size) return null;
    const out: T[] = [];
    for (let i = n; i < this.count; i++) out.push(this.ring[i % this.capacity] as T);
    return out;
  }
}
