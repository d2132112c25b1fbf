/**
 * A Server-Sent Events parser, as the WHATWG HTML standard's "event stream interpretation"
 * says. Pure: decoded text in, events out; no timers, no I/O. The one SSE parser of the project
 * (the EventSource polyfill uses it; the native EventSource does its own parsing).
 *
 * Input is decoded text: UTF-8 decoding, including dropping one leading BOM, is the reader's job
 * (TextDecoder and XHR's responseText both do it), so a second U+FEFF stays data as the spec says.
 *
 * Linear in the input for any chunking: line ends are found with indexOf, the CR and LF positions
 * cached so that a line never rescans the chunk; lines are read in place in the chunk; and a line
 * split over many chunks is appended to a string that V8 keeps as a rope and copies once, when
 * the line is complete.
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
  /**
   * The id buffer now, before the event being read is dispatched: the id of an event that is cut
   * off (too large to wait for) when its `id:` line came first, as the reference server writes it.
   */
  readonly idBuffer: string;
}

/** The content type of an event stream, parameters allowed (`text/event-stream; charset=utf-8`). */
export const EVENT_STREAM = /^text\/event-stream\s*(;|$)/i;
const DIGITS = /^\d+$/;
const LF = 10;
const SPACE = 32;

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
   * One line, s[start, end), read in place: the two fields of nearly every line, "data:" and
   * "id:", are told by a slice as long as their name (it may reach past the line end, but then it
   * holds a CR or LF and cannot match), and only the value is sliced out. Kept small (the rare
   * fields are in other()) so that V8 inlines it into push()'s loop: ~5 % on small events.
   */
  function line(s: string, start: number, end: number): void {
    if (s.slice(start, start + 5) === 'data:') {
      const value = s.slice(valueStart(s, start + 4), end);
      data = hasData ? data + '\n' + value : value;
      hasData = true;
      return;
    }
    if (s.slice(start, start + 3) === 'id:') {
      const value = s.slice(valueStart(s, start + 2), end);
      if (value.indexOf('\0') < 0) idBuffer = value;
      return;
    }
    other(s.slice(start, end));
  }

  /** Any other line, as the spec reads it: a comment, or field, optional colon and one optional space, value. */
  function other(text: string): void {
    const colon = text.indexOf(':');
    if (colon === 0) {
      if (handlers.comment) handlers.comment(text.slice(1));
      return;
    }
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
    let start = 0;
    if (afterCR && chunk) {
      afterCR = false;
      if (chunk.charCodeAt(0) === LF) start = 1; // the LF of a CRLF cut in two
    }
    // CR, LF and CRLF end a line. Each search result is kept until the loop passes it: in a chunk
    // without CR (the usual case) the CR search runs once.
    let cr = chunk.indexOf('\r', start);
    let lf = chunk.indexOf('\n', start);
    for (;;) {
      if (cr >= 0 && cr < start) cr = chunk.indexOf('\r', start);
      if (lf >= 0 && lf < start) lf = chunk.indexOf('\n', start);
      const end = cr < 0 ? lf : lf < 0 || cr < lf ? cr : lf;
      if (end < 0) break;
      if (pending) {
        // The incomplete line ends here: copied once, now that it is whole.
        const text = pending + chunk.slice(start, end);
        pending = '';
        line(text, 0, text.length);
      } else if (end === start) {
        dispatch(); // the blank line after each event
      } else {
        line(chunk, start, end);
      }
      start = end + 1;
      if (end === cr) {
        // The LF right after a CR belongs to it, even at the start of the next chunk.
        if (start === chunk.length) afterCR = true;
        else if (chunk.charCodeAt(start) === LF) start++;
      }
    }
    if (start < chunk.length) pending += chunk.slice(start);
  }

  return {
    push,
    get lastEventId() {
      return lastEventId;
    },
    get idBuffer() {
      return idBuffer;
    },
  };
}

/** The id of the event being read, when its `id:` line has come (it differs from the last dispatched id), else undefined. */
export function cutOffId(parser: SseParser): string | undefined {
  return parser.idBuffer !== parser.lastEventId ? parser.idBuffer : undefined;
}
