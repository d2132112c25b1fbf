/**
 * A Server-Sent Events parser, as the WHATWG HTML standard's "event stream interpretation"
 * says. Pure: decoded text in, events out; no timers, no I/O. The one SSE parser of the project
 * (the EventSource polyfill uses it; the native EventSource does its own parsing).
 *
 * Input is decoded text: UTF-8 decoding, including dropping one leading BOM, is the reader's job
 * (TextDecoder and XHR's responseText both do it), so a second U+FEFF stays data as the spec says.
 *
 * Linear in the input for any chunking: line ends are found with cached indexOf positions (a
 * fresh search for '\r' on every line would rescan a CR-free chunk once per line), and a line
 * split over many chunks is kept as a list of pieces joined once.
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
  push(chunk: string): void;
  /** Forget any partial line or event (the stream ended; an incomplete event is never dispatched). */
  reset(): void;
  /** The last event id seen so far (the id buffer, updated on dispatch). */
  readonly lastEventId: string;
}

const DIGITS = /^\d+$/;

export function createSseParser(h: SseHandlers, initialLastEventId?: string): SseParser {
  let pieces: string[] = []; // an incomplete line
  let afterCR = false; // the previous chunk ended with CR: a leading LF belongs to it
  let data = '';
  let hasData = false;
  let type = '';
  let idBuffer = initialLastEventId || '';
  const state = { lastEventId: idBuffer };

  function line(text: string): void {
    if (text === '') return dispatch();
    const colon = text.indexOf(':');
    if (colon === 0) {
      if (h.comment) h.comment(text.slice(1));
      return;
    }
    let field = text;
    let value = '';
    if (colon > 0) {
      field = text.slice(0, colon);
      value = text.charCodeAt(colon + 1) === 32 ? text.slice(colon + 2) : text.slice(colon + 1);
    }
    if (field === 'data') {
      data = hasData ? data + '\n' + value : value;
      hasData = true;
    } else if (field === 'event') {
      type = value;
    } else if (field === 'id') {
      if (value.indexOf('\0') < 0) idBuffer = value;
    } else if (field === 'retry') {
      if (DIGITS.test(value) && h.retry) h.retry(parseInt(value, 10));
    }
  }

  function dispatch(): void {
    state.lastEventId = idBuffer;
    if (!hasData) {
      type = '';
      return;
    }
    const e: SseEvent = { type: type || 'message', data, lastEventId: idBuffer };
    data = '';
    hasData = false;
    type = '';
    h.event(e);
  }

  function push(chunk: string): void {
    let pos = 0;
    const len = chunk.length;
    if (afterCR && pos < len) {
      afterCR = false;
      if (chunk.charCodeAt(pos) === 10) pos++;
    }
    let cr = chunk.indexOf('\r', pos);
    let lf = chunk.indexOf('\n', pos);
    while (pos < len) {
      if (cr >= 0 && cr < pos) cr = chunk.indexOf('\r', pos);
      if (lf >= 0 && lf < pos) lf = chunk.indexOf('\n', pos);
      const end = cr < 0 ? lf : lf < 0 ? cr : cr < lf ? cr : lf;
      if (end < 0) {
        pieces.push(pos ? chunk.slice(pos) : chunk);
        return;
      }
      let text = chunk.slice(pos, end);
      if (pieces.length) {
        pieces.push(text);
        text = pieces.join('');
        pieces = [];
      }
      pos = end + 1;
      if (end === cr) {
        if (pos === len) afterCR = true;
        else if (chunk.charCodeAt(pos) === 10) pos++;
      }
      line(text);
    }
  }

  function reset(): void {
    pieces = [];
    afterCR = false;
    data = '';
    hasData = false;
    type = '';
  }

  return {
    push,
    reset,
    get lastEventId() {
      return state.lastEventId;
    },
  };
}
