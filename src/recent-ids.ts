/**
 * The ids of the last few messages delivered, to drop a message that a resumed or overlapping
 * connection delivers a second time.
 */

/** How many recent message ids are remembered. */
export const RECENT_ID_COUNT = 128;

/**
 * A ring of the last RECENT_ID_COUNT ids, indexed by a Set where the engine has one (a linear
 * scan of 128 otherwise). Not an object keyed by id: V8 keeps the ever-new keys of such lookups
 * alive in its inline caches (the heap grew ~80 B a message).
 */
export class RecentIds {
  private ring: string[] = [];
  /** Where the next id goes in the ring. */
  private next = 0;
  private index: Set<string> | null = typeof Set === 'function' ? new Set() : null;

  has(id: string): boolean {
    return this.index ? this.index.has(id) : this.ring.indexOf(id) >= 0;
  }

  add(id: string): void {
    const evicted = this.ring[this.next];
    if (this.index && evicted !== undefined) this.index.delete(evicted);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % RECENT_ID_COUNT;
    if (this.index) this.index.add(id);
  }
}
