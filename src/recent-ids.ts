/**
 * The ids of the last few messages delivered, to drop a message that a resumed or overlapping
 * connection delivers a second time.
 */

/** How many recent message ids are remembered. */
export const RECENT_ID_COUNT = 128;

/**
 * A ring of the last RECENT_ID_COUNT ids, searched from end to end: one way for every engine.
 * A Set beside it saved ~60 ns a message (the scan of 128 ids costs ~110 ns in Node 20), next to
 * the browser's 3–8 µs for each message (BENCHMARKS.md); old engines have no Set. Not an object
 * keyed by id: V8 keeps the ever-new keys of such lookups alive in its inline caches (the heap grew
 * ~80 B a message).
 */
export class RecentIds {
  private ring: string[] = [];
  /** Where the next id goes in the ring. */
  private next = 0;

  has(id: string): boolean {
    return this.ring.indexOf(id) >= 0;
  }

  add(id: string): void {
    this.ring[this.next] = id;
    this.next = (this.next + 1) % RECENT_ID_COUNT;
  }
}
