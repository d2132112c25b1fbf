/** The SSE parser against the WHATWG "event stream interpretation" rules, under every chunking. */
import { expect } from 'chai';
import { createSseParser, type SseEvent } from '../../src/parse/sse.js';

function parse(chunks: string[], initialId?: string) {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const p = createSseParser({ event: (e) => events.push(e), retry: (n) => retries.push(n), comment: (c) => comments.push(c) }, initialId);
  for (const c of chunks) p.push(c);
  return { events, retries, comments, lastEventId: p.lastEventId };
}

/** Every split of `text` into two and three pieces gives the same result as the whole. */
function everySplit(text: string, check: (r: ReturnType<typeof parse>) => void) {
  check(parse([text]));
  check(parse(text.split('')));
  for (let i = 0; i <= text.length; i++) {
    check(parse([text.slice(0, i), text.slice(i)]));
    for (let j = i; j <= text.length; j += 3) check(parse([text.slice(0, i), text.slice(i, j), text.slice(j)]));
  }
}

const ev = (data: string, type = 'message', lastEventId = ''): SseEvent => ({ type, data, lastEventId });

describe('SSE parser', () => {
  it('LF, CR and CRLF line endings, mixed, under every split', () => {
    const text = 'data: a\n\ndata: b\r\rdata: c\r\n\r\ndata: d\r\n\n';
    everySplit(text, (r) => expect(r.events).to.deep.equal([ev('a'), ev('b'), ev('c'), ev('d')]));
  });

  it('a CR at the end of a chunk followed by LF in the next is one line end', () => {
    expect(parse(['data: x\r', '\n\r', '\n']).events).to.deep.equal([ev('x')]);
    expect(parse(['data: x\r', '\r']).events).to.deep.equal([ev('x')]);
  });

  it('multi-line data joins with LF; empty data field dispatches an empty string', () => {
    everySplit('data: one\ndata:two\ndata\n\ndata:\n\n', (r) => expect(r.events).to.deep.equal([ev('one\ntwo\n'), ev('')]));
  });

  it('strips exactly one leading space of a value', () => {
    expect(parse(['data:  two spaces\n\n']).events).to.deep.equal([ev(' two spaces')]);
  });

  it('event names, ids that persist, id with U+0000 ignored, id reset by an empty id', () => {
    const { events, lastEventId } = parse([
      'event: chat\nid: 1\ndata: a\n\n',
      'data: b\n\n',
      'id: 2\u00003\ndata: c\n\n',
      'id\ndata: d\n\n',
      'id: 9\n\n',
    ]);
    expect(events).to.deep.equal([ev('a', 'chat', '1'), ev('b', 'message', '1'), ev('c', 'message', '1'), ev('d', 'message', '')]);
    expect(lastEventId).to.equal('9'); // an id-only event sets the last event id without dispatching
  });

  it('the event type does not leak into the next event, even after an event with no data', () => {
    expect(parse(['event: x\n\ndata: y\n\n']).events).to.deep.equal([ev('y')]);
  });

  it('retry: digits only', () => {
    expect(parse(['retry: 1500\n\nretry: 12a\n\nretry:\n\nretry: -5\n\nretry: 7\n\n']).retries).to.deep.equal([1500, 7]);
  });

  it('comments are reported and never dispatch; unknown fields are ignored', () => {
    const r = parse([': keep-alive\n:\nfoo: bar\ndata: x\n\n']);
    expect(r.comments).to.deep.equal([' keep-alive', '']);
    expect(r.events).to.deep.equal([ev('x')]);
  });

  it('a final event without a trailing blank line is not dispatched', () => {
    expect(parse(['data: done\n\ndata: incomplete\n']).events).to.deep.equal([ev('done')]);
    expect(parse(['data: done\n\ndata: incomplete']).events).to.deep.equal([ev('done')]);
  });

  it('field names are case-sensitive and a line without colon is a field with an empty value', () => {
    expect(parse(['Data: x\nDATA: y\ndata\n\n']).events).to.deep.equal([ev('')]);
  });

  it('a U+FEFF after the start is data (BOM removal is the decoder\'s job)', () => {
    expect(parse(['data: \ufeffx\n\n']).events).to.deep.equal([ev('\ufeffx')]);
  });

  it('starts from an initial last event id (a reconnection)', () => {
    expect(parse(['data: x\n\n'], '41').events).to.deep.equal([ev('x', 'message', '41')]);
  });

  it('a long line split over many chunks', () => {
    const big = 'y'.repeat(100000);
    const text = 'data: ' + big + '\n\n';
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 997) chunks.push(text.slice(i, i + 997));
    expect(parse(chunks).events).to.deep.equal([ev(big)]);
  });
});
