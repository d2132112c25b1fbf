/** Pure parsers: every chunking, including splits inside multi-byte UTF-8 characters. */
import { expect } from 'chai';
import { createDelimitedParser } from '../../src/parse/delimited.js';
import { parseBatch, parseFrame } from '../../src/parse/frame.js';

function run(chunks: string[], delimiter: string, max = 1 << 20) {
  const frames: string[] = [];
  const overflows: number[] = [];
  const p = createDelimitedParser(delimiter, max, (f) => frames.push(f), (n) => overflows.push(n));
  for (const c of chunks) p.push(c);
  return { frames, overflows };
}

/** Feeds bytes split at `cuts` through a streaming TextDecoder, as the fetch path does. */
function decodeSplit(bytes: Uint8Array, cuts: number[]): string[] {
  const d = new TextDecoder();
  const out: string[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(d.decode(bytes.subarray(at, c), { stream: c < bytes.length }));
    at = c;
  }
  return out;
}

describe('delimited parser', () => {
  const messages = ['{"id":"1","data":"héllo 😀"}', '', '{"id":"2","data":"naïve ∑ 中文"}', '{"id":"3","data":""}'];

  for (const delimiter of ['\n', 'ThisCometMessageEnded', '\r\n', '||']) {
    const text = messages.map((m) => m + delimiter).join('');
    const bytes = new TextEncoder().encode(text);

    it(`splits at every byte position, delimiter ${JSON.stringify(delimiter)}`, () => {
      for (let i = 0; i <= bytes.length; i++) {
        expect(run(decodeSplit(bytes, [i]), delimiter).frames, `cut at ${i}`).to.deep.equal(messages);
      }
    });

    it(`handles one byte per chunk and every pair of cuts, delimiter ${JSON.stringify(delimiter)}`, () => {
      const all = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
      expect(run(decodeSplit(bytes, all), delimiter).frames).to.deep.equal(messages);
      for (let i = 1; i < bytes.length; i += 3) {
        for (let j = i + 1; j < bytes.length; j += 5) {
          expect(run(decodeSplit(bytes, [i, j]), delimiter).frames, `cuts ${i},${j}`).to.deep.equal(messages);
        }
      }
    });
  }

  it('keeps a partial frame until its delimiter arrives', () => {
    const frames: string[] = [];
    const p = createDelimitedParser('END', 100, (f) => frames.push(f), () => {});
    p.push('abcE');
    p.push('N');
    expect(frames).to.deep.equal([]);
    p.push('Dxyz');
    expect(frames).to.deep.equal(['abc']);
    p.push('END');
    expect(frames).to.deep.equal(['abc', 'xyz']);
  });

  it('delivers many frames from one chunk', () => {
    const text = Array.from({ length: 1000 }, (_, i) => String(i)).join('\n') + '\n';
    const { frames } = run([text], '\n');
    expect(frames.length).to.equal(1000);
    expect(frames[999]).to.equal('999');
  });

  it('reassembles a large frame from many small chunks', () => {
    const big = 'x'.repeat(200000);
    const chunks: string[] = [];
    for (let i = 0; i < big.length; i += 1000) chunks.push(big.slice(i, i + 1000));
    chunks.push('\n');
    expect(run(chunks, '\n').frames).to.deep.equal([big]);
  });

  it('reports overflow past maxSize and releases the partial frame', () => {
    const { frames, overflows } = run(['x'.repeat(60), 'x'.repeat(60), 'ok\n'], '\n', 100);
    expect(overflows).to.deep.equal([120]);
    expect(frames).to.deep.equal(['ok']); // the parser starts clean after an overflow
  });

  it('reset() drops the partial frame', () => {
    const frames: string[] = [];
    const p = createDelimitedParser('\n', 100, (f) => frames.push(f), () => {});
    p.push('partial');
    p.reset();
    p.push('whole\n');
    expect(frames).to.deep.equal(['whole']);
  });
});

describe('frame decoding', () => {
  it('decodes message frames, defaulting the event name', () => {
    expect(parseFrame('{"id":"7","data":"x"}')).to.deep.equal({ type: 'message', id: '7', data: 'x', event: 'message' });
    expect(parseFrame('{"id":"7","event":"chat","data":"x","extra":1}')).to.deep.equal({ type: 'message', id: '7', data: 'x', event: 'chat' });
  });

  it('decodes open frames with gap and resume flags', () => {
    expect(parseFrame('{"type":"open","session":"s1","resumed":true,"last":"9","heartbeat":15000}')).to.deep.equal({
      type: 'open', session: 's1', resumed: true, last: '9', gap: false, retry: null,
    });
    expect(parseFrame('{"type":"open","session":"s1","resumed":false,"last":null,"retry":2500}')).to.deep.include({ retry: 2500 });
    expect(parseFrame('{"type":"open","session":"s1","resumed":false,"last":null,"gap":true}')).to.deep.include({ gap: true, last: null });
  });

  it('ignores unknown control frames, rejects garbage', () => {
    expect(parseFrame('{"type":"future-thing"}')).to.deep.equal({ type: 'unknown' });
    for (const bad of ['', 'not json', '[1]', '42', 'null', '{"id":7,"data":"x"}', '{"id":"7"}', '{"type":5}', '{"id":"1","data":"x"']) {
      expect(parseFrame(bad), bad).to.equal(null);
    }
  });

  it('decodes long-poll batches, and rejects a batch with a bad element', () => {
    expect(parseBatch('[{"type":"ping"},{"id":"1","data":"a"}]')).to.deep.equal([
      { type: 'ping' },
      { type: 'message', id: '1', data: 'a', event: 'message' },
    ]);
    expect(parseBatch('[]')).to.deep.equal([]);
    expect(parseBatch('{"id":"1","data":"a"}')).to.equal(null);
    expect(parseBatch('[{"id":"1","data":"a"},{"oops":true}]')).to.equal(null);
    expect(parseBatch('<html>502</html>')).to.equal(null);
  });
});
