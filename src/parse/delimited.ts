/**
 * Cuts a text stream into frames at a delimiter. Pure: text in, frames out; no timers, no I/O.
 *
 * Linear in the input whatever the chunking: only the new chunk (plus the last
 * `delimiter.length - 1` pending characters, where a split delimiter may begin) is searched, and
 * pending text is appended, never re-read, until its frame is complete. Re-searching one
 * growing string would be quadratic for a large message arriving in small chunks.
 *
 * `maxSize` bounds every frame, whatever the chunking: a complete frame longer than it is
 * reported instead of delivered, and a partial frame is reported as soon as more than `maxSize`
 * of its characters are pending (not counting the last `delimiter.length - 1`, which may be the
 * start of a delimiter), so pending text never exceeds maxSize + delimiter.length - 1 + one chunk.
 * After reporting a partial frame the parser lets go of it (keeping only those last characters,
 * so that a delimiter split there is still found) and carries on.
 */
export interface DelimitedParser {
  /** Feed the next piece of decoded text. */
  push(chunk: string): void;
  /** Drop any partial frame (after a reconnect). */
  reset(): void;
}

export function createDelimitedParser(
  delimiter: string,
  maxSize: number,
  onFrame: (text: string) => void,
  /** The partial frame grew past maxSize; `head` is its first characters (to name the message). */
  onOverflow: (size: number, head: string) => void,
): DelimitedParser {
  const keep = delimiter.length - 1; // chars of pending text a split delimiter may start in
  // The partial frame. Appending makes a rope in V8 (no copy per chunk); it is copied once,
  // when the frame is read. Never sliced while it grows: slicing a rope flattens it.
  let pending = '';
  let tail = ''; // the last `keep` characters of pending, a small flat copy

  function reset(): void {
    pending = '';
    tail = '';
  }

  function push(chunk: string): void {
    const back = tail.length;
    const window = back ? tail + chunk : chunk;
    let idx = window.indexOf(delimiter);
    if (idx < 0) {
      pending += chunk;
      if (keep) tail = window.length > keep ? window.slice(window.length - keep) : window;
    } else {
      // The delimiter starts in this chunk, or in the tail of the pending text.
      const first = idx >= back ? pending + chunk.slice(0, idx - back) : pending.slice(0, pending.length - back + idx);
      let start = idx + delimiter.length;
      reset();
      emit(first);
      while ((idx = window.indexOf(delimiter, start)) >= 0) {
        emit(window.slice(start, idx));
        start = idx + delimiter.length;
      }
      if (start < window.length) {
        pending = window.slice(start);
        if (keep) tail = pending.length > keep ? pending.slice(pending.length - keep) : pending;
      }
    }
    // The last `tail.length` pending characters may begin a delimiter: only the rest is surely frame.
    if (pending.length - tail.length > maxSize) {
      const over = pending.length;
      const head = pending.slice(0, 256);
      // Release the memory before telling anyone; keep only where a split delimiter may begin.
      pending = tail;
      onOverflow(over, head);
    }
  }

  function emit(frame: string): void {
    if (frame.length > maxSize) onOverflow(frame.length, frame.slice(0, 256));
    else onFrame(frame);
  }

  return { push, reset };
}
