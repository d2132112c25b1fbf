/**
 * A Server-Sent Events parser, as the WHATWG HTML standard's "event stream interpretation"
 * says. Pure: decoded text in, events out; no timers, no I/O. The one SSE parser of the project
 * (the EventSource polyfill uses it; the native EventSource does its own parsing).
 *
 * Input is decoded text: UTF-8 decoding, including dropping one leading BOM, is the reader's job
 * (TextDecoder and XHR's responseText both do it), so a second U+FEFF stays data as the spec says.
 *
 * Linear in the input for any chunking: line ends are found with indexOf (in a chunk without CR,
 * one search per line; with CR, both positions are cached so a line never rescans the chunk),
 * lines are read in place in the chunk, and a line split over many chunks is appended to a
 * string that V8 keeps as a rope and copies once, when the line is complete.
 */
export interface SseEvent {
  /** Event type: the `event` field, or 'message'. */
  type: string;
  data: string;
  /** The last event id in force when the event was dispatched. */
  lastEventId: string;
}

export interface SseHandlers {
  event(e: SseEvent): void;
  /** A valid `retry` field: the new reconnection time in ms. */
  retry?(ms: number): void;
  /** A comment line (text after the colon), e.g. a keep-alive. */
  comment?(text: string): void;
}

export interface SseParser {
  /** The next piece of the stream. A new connection takes a new parser: nothing cut off carries over. */
  push(chunk: string): void;
  /** The last event id seen so far (the id buffer, updated on dispatch). */
  readonly lastEventId: string;
}

const DIGITS = /^\d+$/;
const LF = 10;
const SPACE = 32;
const COLON = 58;
const LETTER_A = 97;
const LETTER_D = 100;
const LETTER_I = 105;
const LETTER_T = 116;

/** Whether the line at `start` begins with the field name "data:", read by char codes (no slice). */
function isDataField(s: string, start: number): boolean {
  return (
    s.charCodeAt(start) === LETTER_D &&
    s.charCodeAt(start + 1) === LETTER_A &&
    s.charCodeAt(start + 2) === LETTER_T &&
    s.charCodeAt(start + 3) === LETTER_A &&
    s.charCodeAt(start + 4) === COLON
  );
}

/** Whether the line at `start` begins with the field name "id:". */
function isIdField(s: string, start: number): boolean {
  return s.charCodeAt(start) === LETTER_I && s.charCodeAt(start + 1) === LETTER_D && s.charCodeAt(start + 2) === COLON;
}

/** Where a field's value starts: after the colon at `colon` and one optional space. */
function valueStart(s: string, colon: number): number {
  return s.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
}

export function createSseParser(handlers: SseHandlers, initialLastEventId?: string): SseParser {
  let pending = ''; // an incomplete line: chunks appended (V8 keeps them as a rope until read)
  let afterCR = false; // the previous chunk ended with CR: a leading LF belongs to it
  let data = '';
  let hasData = false;
  let type = '';
  let idBuffer = initialLastEventId || '';
  /** The id buffer as of the last dispatch (of any event, even one without data). */
  let lastEventId = idBuffer;

  /**
   * One line, s[start, end), read in place: only the field's value is sliced out. Kept small (the
   * rare fields are in other()) so that V8 inlines it into push()'s loop: ~5 % on small events.
   */
  function line(s: string, start: number, end: number): void {
    if (start === end) return dispatch();
    // The two fields of nearly every line first: "data:" and "id:".
    if (isDataField(s, start)) {
      const value = s.slice(valueStart(s, start + 4), end);
      data = hasData ? data + '\n' + value : value;
      hasData = true;
      return;
    }
    if (isIdField(s, start)) {
      const value = s.slice(valueStart(s, start + 2), end);
      if (value.indexOf('\0') < 0) idBuffer = value;
      return;
    }
    if (s.charCodeAt(start) === COLON) {
      if (handlers.comment) handlers.comment(s.slice(start + 1, end));
      return;
    }
    other(s.slice(start, end));
  }

  /** Any other line, as the spec reads it: field, optional colon and one optional space, value. */
  function other(text: string): void {
    const colon = text.indexOf(':');
    let field = text;
    let value = '';
    if (colon > 0) {
      field = text.slice(0, colon);
      value = text.slice(valueStart(text, colon));
    }
    if (field === 'data') {
      data = hasData ? data + '\n' + value : value;
      hasData = true;
    } else if (field === 'event') {
      type = value;
    } else if (field === 'id') {
      if (value.indexOf('\0') < 0) idBuffer = value;
    } else if (field === 'retry') {
      if (DIGITS.test(value) && handlers.retry) handlers.retry(parseInt(value, 10));
    }
  }

  function dispatch(): void {
    lastEventId = idBuffer;
    if (!hasData) {
      type = '';
      return;
    }
    const e: SseEvent = { type: type || 'message', data, lastEventId: idBuffer };
    data = '';
    hasData = false;
    type = '';
    handlers.event(e);
  }

  function push(chunk: string): void {
    let pos = 0;
    const len = chunk.length;
    if (afterCR && len) {
      afterCR = false;
      if (chunk.charCodeAt(0) === LF) pos = 1;
    }
    let cr = chunk.indexOf('\r', pos);
    let lf = chunk.indexOf('\n', pos);
    let end = cr < 0 ? lf : lf < 0 || cr < lf ? cr : lf;
    if (pending) {
      // The incomplete line goes on to the first line end of this chunk, if there is one.
      if (end < 0) {
        pending += pos ? chunk.slice(pos) : chunk;
        return;
      }
      const text = pending + chunk.slice(pos, end);
      pending = '';
      pos = next(chunk, end, cr);
      line(text, 0, text.length);
    }
    if (cr < 0) {
      // No CR in this chunk (the usual case): LF is the only line end, one search per line.
      if (lf >= 0 && lf < pos) lf = chunk.indexOf('\n', pos);
      while (lf >= 0) {
        if (lf === pos) dispatch(); // the blank line after each event: one call, not two
        else line(chunk, pos, lf);
        pos = lf + 1;
        lf = chunk.indexOf('\n', pos);
      }
    } else {
      // CR, LF or CRLF: both searches are cached, so a line costs one search, not a rescan.
      while (pos < len) {
        if (cr >= 0 && cr < pos) cr = chunk.indexOf('\r', pos);
        if (lf >= 0 && lf < pos) lf = chunk.indexOf('\n', pos);
        end = cr < 0 ? lf : lf < 0 || cr < lf ? cr : lf;
        if (end < 0) break;
        line(chunk, pos, end);
        pos = next(chunk, end, cr);
      }
    }
    if (pos < len) pending = pos ? chunk.slice(pos) : chunk;
  }

  /** Where the next line starts after a line end at `end`: past a CRLF pair, or notes a CR at the chunk's end. */
  function next(chunk: string, end: number, cr: number): number {
    const pos = end + 1;
    if (end === cr) {
      if (pos === chunk.length) afterCR = true;
      else if (chunk.charCodeAt(pos) === LF) return pos + 1;
    }
    return pos;
  }

  return {
    push,
    get lastEventId() {
      return lastEventId;
    },
  };
}
