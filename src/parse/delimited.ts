/**
 * Cuts a text stream into frames at a delimiter. Pure: text in, frames out; no timers, no I/O.
 *
 * Linear in the input whatever the chunking: pending text is kept as a list of chunks and only
 * the new chunk (plus the last `delimiter.length - 1` pending characters, where a split
 * delimiter may begin) is searched. Re-searching one growing string would be quadratic for a
 * large message arriving in small chunks.
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
  let parts: string[] = [];
  let size = 0;
  let tail = '';

  function reset(): void {
    parts = [];
    size = 0;
    tail = '';
  }

  function push(chunk: string): void {
    const window = tail + chunk;
    let idx = window.indexOf(delimiter);
    if (idx < 0) {
      parts.push(chunk);
      size += chunk.length;
      tail = keep ? window.slice(-keep) : '';
    } else {
      let head = '';
      if (parts.length) {
        head = parts.length === 1 ? parts[0] : parts.join('');
        head = head.slice(0, head.length - tail.length); // the tail is at the start of `window`
      }
      let start = idx + delimiter.length;
      const first = head + window.slice(0, idx);
      reset();
      emit(first);
      while ((idx = window.indexOf(delimiter, start)) >= 0) {
        emit(window.slice(start, idx));
        start = idx + delimiter.length;
      }
      const rest = window.slice(start);
      if (rest) {
        parts.push(rest);
        size = rest.length;
        tail = keep ? rest.slice(-keep) : '';
      }
    }
    // The last `tail.length` pending characters may begin a delimiter: only the rest is surely frame.
    if (size - tail.length > maxSize) {
      const over = size;
      const head = parts[0].slice(0, 256);
      // Release the memory before telling anyone; keep only where a split delimiter may begin.
      parts = tail ? [tail] : [];
      size = tail.length;
      onOverflow(over, head);
    }
  }

  function emit(frame: string): void {
    if (frame.length > maxSize) onOverflow(frame.length, frame.slice(0, 256));
    else onFrame(frame);
  }

  return { push, reset };
}
