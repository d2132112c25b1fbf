/**
 * Property tests (fast-check) of the pure parsers: src/parse/sse.ts, src/parse/delimited.ts and
 * src/parse/frame.ts. Random input never throws and never hangs (a hang would time the test out);
 * valid streams built from random event lists parse to what a simple reference model says, and
 * the way the input is cut into chunks never changes the output.
 *
 * The SSE reference model is written straight from the WHATWG HTML standard ("Interpreting an
 * event stream"): the whole text at once, split into lines with one regular expression.
 * numRuns are sized so that the file takes a few seconds per engine.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createDelimitedParser } from '../../src/parse/delimited.js';
import { decodeFrame, parseBatch, parseFrame, type Frame } from '../../src/parse/frame.js';
import { createSseParser, type SseEvent } from '../../src/parse/sse.js';

// ---- generators --------------------------------------------------------------------------------

/** One UTF-16 code unit of any value (lone surrogates included), or one astral code point. */
const anyChar = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
);
/** Characters that matter to the parsers, drawn often so that they meet each other. */
const special = fc.constantFrom('\r', '\n', '\r\n', '\0', ':', ' ', '\ud800', '\udfff', '\ufeff', 'data', 'id', 'event', 'retry', '1', '{', '"');
const hostileText = fc.string({ unit: fc.oneof(special, anyChar), maxLength: 200 });

/** Cuts `text` at random positions (duplicates allowed: empty chunks are legal too). */
const cuts = fc.array(fc.nat(), { maxLength: 12 });
function split(text: string, at: number[]): string[] {
  const points = at.map((n) => n % (text.length + 1)).sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  out.push(text.slice(prev));
  return out;
}
/** One chunk per UTF-16 code unit: the harshest chunking. */
const units = (text: string) => text.split('');

// ---- SSE ---------------------------------------------------------------------------------------

interface SseResult {
  events: SseEvent[];
  retries: number[];
  comments: string[];
  lastEventId: string;
}

function runSse(chunks: string[], initialId?: string): SseResult {
  const r: SseResult = { events: [], retries: [], comments: [], lastEventId: '' };
  const p = createSseParser(
    { event: (e) => r.events.push({ ...e }), retry: (n) => r.retries.push(n), comment: (c) => r.comments.push(c) },
    initialId,
  );
  for (const c of chunks) p.push(c);
  r.lastEventId = p.lastEventId;
  return r;
}

/** WHATWG HTML, "Interpreting an event stream", applied to the whole text at once. */
function sseModel(text: string, initialId = ''): SseResult {
  const r: SseResult = { events: [], retries: [], comments: [], lastEventId: initialId };
  const lines = text.split(/\r\n|\r|\n/);
  lines.pop(); // the text after the last line end is an incomplete line: discarded at end of stream
  let data = '';
  let type = '';
  let idBuffer = initialId;
  for (const line of lines) {
    if (line === '') {
      // Dispatch the event.
      r.lastEventId = idBuffer;
      if (data === '') {
        type = '';
        continue;
      }
      if (data.endsWith('\n')) data = data.slice(0, -1);
      r.events.push({ type: type === '' ? 'message' : type, data, lastEventId: idBuffer });
      data = '';
      type = '';
      continue;
    }
    if (line.startsWith(':')) {
      r.comments.push(line.slice(1));
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data += value + '\n';
    else if (field === 'id') {
      if (!value.includes('\0')) idBuffer = value;
    } else if (field === 'retry') {
      if (/^[0-9]+$/.test(value)) r.retries.push(parseInt(value, 10));
    }
    // Any other field is ignored.
  }
  return r;
}

/** A value for a single-line field: anything but CR and LF. */
const lineValue = fc.string({ unit: fc.oneof(fc.constantFrom(' ', ':', '\0', '\ud800', '\ufeff', 'é'), anyChar), maxLength: 12 }).map((s) =>
  s.replace(/[\r\n]/g, ''),
);
const eol = fc.constantFrom('\n', '\r', '\r\n');

interface Block {
  comments: string[];
  event: string | null;
  id: string | null;
  retry: number | null;
  data: string | null;
  junk: boolean; // an unknown field, which must be ignored
}
const block: fc.Arbitrary<Block> = fc.record({
  comments: fc.array(lineValue, { maxLength: 2 }),
  event: fc.option(lineValue),
  id: fc.option(lineValue),
  retry: fc.option(fc.nat()),
  // Data may hold any line ends: each line becomes one data field.
  data: fc.option(fc.string({ unit: fc.oneof(eol, fc.constantFrom(' ', ':'), anyChar), maxLength: 20 })),
  junk: fc.boolean(),
});

/**
 * Serialises blocks as an SSE stream, with a random line end per line (eols cycles through its
 * list) and randomly with or without the optional space after the colon. A lone CR followed by an
 * LF would be one line end (CRLF), not two: an LF that would follow a CR becomes CRLF.
 */
function serialise(blocks: Block[], eols: string[], spaces: boolean[]): string {
  let i = 0;
  let out = '';
  const end = () => {
    const e = eols[i++ % eols.length];
    out += e === '\n' && out.endsWith('\r') ? '\r\n' : e;
  };
  const field = (name: string, value: string) => {
    // Without the space the value must not start with one (it would be stripped).
    out += name + (spaces[i % spaces.length] || value.startsWith(' ') ? ': ' : ':') + value;
    end();
  };
  for (const b of blocks) {
    for (const c of b.comments) {
      out += ':' + c;
      end();
    }
    if (b.junk) field('junk', 'x');
    if (b.event !== null) field('event', b.event);
    if (b.id !== null) field('id', b.id);
    if (b.retry !== null) field('retry', String(b.retry));
    if (b.data !== null) for (const line of b.data.split(/\r\n|\r|\n/)) field('data', line);
    end(); // the blank line that dispatches
  }
  return out;
}

/** What the blocks mean, derived from the blocks themselves (not from the parser or the model). */
function intended(blocks: Block[]): SseResult {
  const r: SseResult = { events: [], retries: [], comments: [], lastEventId: '' };
  let id = '';
  for (const b of blocks) {
    r.comments.push(...b.comments);
    if (b.id !== null && !b.id.includes('\0')) id = b.id;
    if (b.retry !== null) r.retries.push(b.retry);
    r.lastEventId = id;
    if (b.data !== null) {
      r.events.push({ type: b.event || 'message', data: b.data.split(/\r\n|\r|\n/).join('\n'), lastEventId: id });
    }
  }
  return r;
}

const sseStream = fc.record({
  blocks: fc.array(block, { maxLength: 8 }),
  eols: fc.array(eol, { minLength: 1, maxLength: 5 }),
  spaces: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
});

describe('fuzz: SSE parser (src/parse/sse.ts)', () => {
  it('random text under random chunking never throws and matches the reference model', () => {
    fc.assert(
      fc.property(hostileText, cuts, fc.option(lineValue, { nil: undefined }), (text, at, initial) => {
        const expected = sseModel(text, initial);
        expect(runSse([text], initial)).to.deep.equal(expected);
        expect(runSse(split(text, at), initial)).to.deep.equal(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('one code unit per chunk gives the same result as the whole text', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        expect(runSse(units(text))).to.deep.equal(sseModel(text));
      }),
      { numRuns: 150 },
    );
  });

  it('valid streams built from random events parse to exactly those events, whatever the chunking', () => {
    fc.assert(
      fc.property(sseStream, cuts, ({ blocks, eols, spaces }, at) => {
        const text = serialise(blocks, eols, spaces);
        const want = intended(blocks);
        // The model agrees with the meaning of the events (checks the model and the generator)...
        expect(sseModel(text)).to.deep.equal(want);
        // ...and the parser agrees with both, in one piece, cut randomly, and one unit at a time.
        expect(runSse([text])).to.deep.equal(want);
        expect(runSse(split(text, at))).to.deep.equal(want);
        expect(runSse(units(text))).to.deep.equal(want);
      }),
      { numRuns: 250 },
    );
  });

  it('an incomplete last event is never dispatched, however the stream is cut', () => {
    fc.assert(
      fc.property(sseStream, fc.nat(), cuts, ({ blocks, eols, spaces }, cutAt, at) => {
        const text = serialise(blocks, eols, spaces);
        const truncated = text.slice(0, cutAt % (text.length + 1));
        expect(runSse(split(truncated, at))).to.deep.equal(sseModel(truncated));
      }),
      { numRuns: 200 },
    );
  });

  it('a huge line in tiny chunks is parsed once (no hang)', () => {
    const line = 'data: ' + '\ud83d\ude00x'.repeat(50000);
    const chunks: string[] = [];
    const text = line + '\r\n\r\n';
    for (let i = 0; i < text.length; i += 7) chunks.push(text.slice(i, i + 7));
    expect(runSse(chunks).events).to.deep.equal(sseModel(text).events);
  });
});

// ---- delimited -----------------------------------------------------------------------------

interface DelimResult {
  frames: string[];
  overflows: number[];
}
function runDelim(chunks: string[], delimiter: string, max = 1 << 20): DelimResult {
  const r: DelimResult = { frames: [], overflows: [] };
  const p = createDelimitedParser(delimiter, max, (f) => r.frames.push(f), (n) => r.overflows.push(n));
  for (const c of chunks) p.push(c);
  return r;
}

const delimiterArb = fc.oneof(
  fc.constantFrom('\n', '\r\n', 'ThisCometMessageEnded', '||', 'aa', 'aba', 'abab', '\0', '\ud800', '\u2028'),
  fc.string({ unit: fc.oneof(fc.constantFrom('a', 'b', '\n', '\r'), anyChar), minLength: 1, maxLength: 6 }),
);

/**
 * Frames drawn mostly from the delimiter's own characters (near misses), then repaired so that
 * `frame + delimiter` holds its first delimiter exactly at the end: the condition for a round trip,
 * stronger than "does not contain the delimiter" when the delimiter overlaps itself (e.g. 'aba').
 */
function framesFor(delimiter: string, maxLength = 30) {
  const chars = fc.oneof(fc.constantFrom(...Array.from(delimiter)), fc.constantFrom('x', '{', '"', ' ', '\r', '\n', '\ud800'), anyChar);
  const frame = fc.string({ unit: chars, maxLength }).map((f) => {
    for (;;) {
      const at = (f + delimiter).indexOf(delimiter);
      if (at === f.length) return f;
      f = f.slice(0, at) + f.slice(at + 1);
    }
  });
  return fc.array(frame, { maxLength: 10 });
}
/** A character that is not in the delimiter, so that text made of it can never complete one. */
const fillFor = (delimiter: string) => ['x', 'y', 'z', 'q', 'w', 'k', 'j', '#'].find((c) => !delimiter.includes(c)) as string;
const delimitedCase = delimiterArb.chain((delimiter) => fc.record({ delimiter: fc.constant(delimiter), frames: framesFor(delimiter) }));

describe('fuzz: delimited parser (src/parse/delimited.ts)', () => {
  it('random text, delimiters and chunking never throw, and chunking never changes the output', () => {
    fc.assert(
      fc.property(hostileText, delimiterArb, cuts, fc.integer({ min: 0, max: 300 }), (text, delimiter, at, max) => {
        const whole = runDelim([text], delimiter, max);
        const cut = runDelim(split(text, at), delimiter, max);
        for (const r of [whole, cut]) for (const f of r.frames) expect(f.length).to.be.at.most(max);
        if (!whole.overflows.length && !cut.overflows.length) expect(cut.frames).to.deep.equal(whole.frames);
        expect(cut.overflows.length > 0).to.equal(whole.overflows.length > 0);
      }),
      { numRuns: 400 },
    );
  });

  it('random frames and delimiters round-trip exactly under random chunking', () => {
    fc.assert(
      fc.property(delimitedCase, cuts, ({ delimiter, frames }, at) => {
        const text = frames.map((f) => f + delimiter).join('');
        expect(runDelim([text], delimiter)).to.deep.equal({ frames, overflows: [] });
        expect(runDelim(split(text, at), delimiter)).to.deep.equal({ frames, overflows: [] });
        expect(runDelim(units(text), delimiter)).to.deep.equal({ frames, overflows: [] });
        // A trailing partial frame is held back, never delivered.
        expect(runDelim(split(text + fillFor(delimiter).repeat(5), at), delimiter).frames).to.deep.equal(frames);
      }),
      { numRuns: 300 },
    );
  });

  it('a frame of exactly maxSize is accepted whatever the chunking (no false overflow)', () => {
    fc.assert(
      fc.property(delimitedCase, cuts, ({ delimiter, frames }, at) => {
        const max = Math.max(0, ...frames.map((f) => f.length));
        const text = frames.map((f) => f + delimiter).join('');
        expect(runDelim(split(text, at), delimiter, max)).to.deep.equal({ frames, overflows: [] });
        expect(runDelim(units(text), delimiter, max)).to.deep.equal({ frames, overflows: [] });
      }),
      { numRuns: 300 },
    );
  });

  it('a frame over maxSize is always reported, whatever the chunking, and the parser recovers', () => {
    const overflowCase = delimitedCase.chain(({ delimiter, frames }) =>
      fc.record({
        delimiter: fc.constant(delimiter),
        before: fc.constant(frames.slice(0, frames.length >> 1)),
        after: fc.constant(frames.slice(frames.length >> 1)),
        extra: fc.integer({ min: 1, max: 200 }),
      }),
    );
    fc.assert(
      fc.property(overflowCase, cuts, ({ delimiter, before, after, extra }, at) => {
        const max = Math.max(0, ...before.map((f) => f.length), ...after.map((f) => f.length));
        // The big frame is made of a character that is not in the delimiter.
        const fill = fillFor(delimiter);
        const big = fill.repeat(max + extra);
        const text = [...before, big, ...after].map((f) => f + delimiter).join('');
        for (const chunks of [[text], split(text, at), units(text)]) {
          const r = runDelim(chunks, delimiter, max);
          expect(r.overflows.length, 'overflow reported').to.be.at.least(1);
          for (const f of r.frames) expect(f.length).to.be.at.most(max);
          expect(r.frames.slice(0, before.length), 'frames before the big one').to.deep.equal(before);
          // After the big frame's delimiter, every frame arrives exactly. At most one piece of the
          // big frame's tail (shorter than maxSize) may come first: the parser restarts after an overflow.
          const rest = r.frames.slice(before.length);
          expect(rest.length - after.length).to.be.within(0, 1);
          expect(rest.slice(rest.length - after.length)).to.deep.equal(after);
          if (rest.length > after.length) expect(rest[0]).to.match(new RegExp('^' + fill + '*$'));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('memory stays bounded: an endless frame is reported as soon as maxSize is passed', () => {
    // A delimiter that never comes. Only the last delimiter.length - 1 pending characters (where a
    // delimiter may begin) are not counted; past maxSize the parser reports and lets go of the rest.
    const D = 'ThisCometMessageEnded';
    const keep = D.length - 1;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 60 }), (max, sizes) => {
        const r: DelimResult = { frames: [], overflows: [] };
        const p = createDelimitedParser(D, max, (f) => r.frames.push(f), (n) => r.overflows.push(n));
        const want: number[] = [];
        let pending = 0;
        for (const n of sizes) {
          p.push('x'.repeat(n));
          pending += n;
          if (pending - Math.min(keep, pending) > max) {
            want.push(pending);
            pending = Math.min(keep, pending);
          }
          expect(r.overflows).to.deep.equal(want);
        }
        for (const o of r.overflows) expect(o).to.be.at.most(max + keep + 40);
        expect(r.frames).to.deep.equal([]);
        // reset() and a whole frame: delivered exactly.
        p.reset();
        p.push('ok'.slice(0, max) + D);
        expect(r.frames).to.deep.equal(['ok'.slice(0, max)]);
      }),
      { numRuns: 200 },
    );
  });

  it('reset() then a valid stream round-trips exactly', () => {
    fc.assert(
      fc.property(delimitedCase, hostileText, cuts, ({ delimiter, frames }, junk, at) => {
        const got: string[] = [];
        const p = createDelimitedParser(delimiter, 1 << 20, (f) => got.push(f), () => {});
        p.push(junk);
        p.reset();
        got.length = 0;
        for (const c of split(frames.map((f) => f + delimiter).join(''), at)) p.push(c);
        expect(got).to.deep.equal(frames);
      }),
      { numRuns: 200 },
    );
  });
});

// ---- frames ------------------------------------------------------------------------------------

/** Checks the Frame union's contract: exactly the documented keys, with the documented types. */
function wellTyped(f: Frame): void {
  const keys = Object.keys(f).sort();
  switch (f.type) {
    case 'message':
      expect(keys).to.deep.equal(['data', 'event', 'id', 'type']);
      expect(f.id).to.be.a('string');
      expect(f.data).to.be.a('string');
      expect(f.event).to.be.a('string').and.not.equal('');
      break;
    case 'open':
      expect(keys).to.deep.equal(['gap', 'last', 'resumed', 'retry', 'session', 'type']);
      expect(f.session === null || typeof f.session === 'string').to.equal(true);
      expect(f.last === null || typeof f.last === 'string').to.equal(true);
      expect(f.resumed).to.be.a('boolean');
      expect(f.gap).to.be.a('boolean');
      // A reconnection delay the client can wait for: a finite number of ms, or none.
      if (f.retry !== null) expect(isFinite(f.retry) && f.retry >= 0, 'retry ' + f.retry).to.equal(true);
      break;
    case 'ping':
    case 'unknown':
      expect(keys).to.deep.equal(['type']);
      break;
    default:
      throw new Error('unexpected frame type ' + JSON.stringify(f));
  }
}

/** What a frame must decode to, from PROTOCOL.md "Frames" (written independently of frame.ts). */
function expectedKind(v: unknown): Frame['type'] | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(o, 'type')) return typeof o.id === 'string' && typeof o.data === 'string' ? 'message' : null;
  if (typeof o.type !== 'string') return null;
  return o.type === 'open' || o.type === 'ping' ? o.type : 'unknown';
}

/** Objects that look like frames: the known keys with values of every type, plus strangers. */
const anyJson = fc.jsonValue({ maxDepth: 3 });
const fieldValue = fc.oneof(fc.string({ maxLength: 5 }), anyJson, fc.constantFrom('open', 'ping', 'message', '', '__proto__', 1e308, -1, 0));
const frameLike = fc.dictionary(
  fc.oneof(fc.constantFrom('id', 'data', 'event', 'type', 'session', 'resumed', 'last', 'gap', 'retry', 'heartbeat', '__proto__', 'constructor'), fc.string({ maxLength: 4 })),
  fieldValue,
  { maxKeys: 6 },
);

describe('fuzz: frame decoding (src/parse/frame.ts)', () => {
  it('parseFrame: random text never throws; the result is null or a well-typed frame', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const f = parseFrame(text);
        if (f !== null) wellTyped(f);
      }),
      { numRuns: 300 },
    );
  });

  it('parseFrame: any JSON value decodes as PROTOCOL.md says', () => {
    fc.assert(
      fc.property(fc.oneof(anyJson, frameLike), (value) => {
        const text = JSON.stringify(value);
        const f = parseFrame(text);
        // Through JSON.parse, so that keys like "__proto__" are own properties, as on the wire.
        expect(f === null ? null : f.type).to.equal(expectedKind(JSON.parse(text)));
        if (f !== null) wellTyped(f);
        if (f && f.type === 'message') {
          const o = JSON.parse(text);
          expect(f).to.deep.equal({ type: 'message', id: o.id, data: o.data, event: typeof o.event === 'string' && o.event ? o.event : 'message' });
        }
      }),
      { numRuns: 400 },
    );
  });

  it('decodeFrame: arbitrary JS values (not only JSON) never throw', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }), (value) => {
        const f = decodeFrame(value);
        if (f !== null) wellTyped(f);
      }),
      { numRuns: 300 },
    );
  });

  it('parseBatch: a random array is a batch exactly when every element is a frame', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(frameLike, anyJson), { maxLength: 6 }), (list) => {
        const text = JSON.stringify(list);
        const batch = parseBatch(text);
        const kinds = (JSON.parse(text) as unknown[]).map(expectedKind);
        if (kinds.includes(null)) {
          expect(batch).to.equal(null);
        } else {
          expect(batch && batch.map((f) => f.type)).to.deep.equal(kinds);
          for (const f of batch as Frame[]) wellTyped(f);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('parseBatch: random text and non-array JSON give null, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, anyJson.filter((v) => !Array.isArray(v)).map((v) => JSON.stringify(v))), (text) => {
        expect(parseBatch(text)).to.equal(null);
      }),
      { numRuns: 300 },
    );
  });

  it('deeply nested and huge inputs give null or a frame, never a crash', () => {
    const deep = '['.repeat(200000) + ']'.repeat(200000);
    expect(parseFrame(deep)).to.equal(null);
    expect(parseBatch(deep)).to.equal(null);
    expect(parseBatch('[' + '{"type":"ping"},'.repeat(20000) + '{"type":"ping"}]')).to.have.length(20001);
    // JSON numbers past the double range parse to Infinity: not a delay anyone can wait for.
    const huge = parseFrame('{"type":"open","session":"s","resumed":false,"last":null,"retry":1e999}');
    expect(huge).to.not.equal(null);
    wellTyped(huge as Frame);
  });
});
