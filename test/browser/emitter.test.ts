import { expect } from 'chai';
import { Client } from '../../src/client.js';

// The client is its own emitter. These tests drive it directly: a transport that never answers
// keeps it quiet, and two of its event names stand in for any ('a' carries numbers, 'b' strings).
const silent = { name: 'websocket', path: '/ws', supported: () => true, open: () => ({ send: () => false, close() {} }) };
const clients: Client[] = [];
class Test {
  c = new Client('http://127.0.0.1:9/', { transports: [silent] });
  constructor() {
    clients.push(this.c);
  }
  on(k: 'a' | 'b', fn: (v: never) => unknown) {
    this.c.on(k === 'a' ? 'gap' : 'fallback', fn as never);
  }
  off(k: 'a' | 'b', fn: (v: never) => unknown) {
    this.c.off(k === 'a' ? 'gap' : 'fallback', fn as never);
  }
  once(k: 'a' | 'b', fn: (v: never) => unknown) {
    this.c.once(k === 'a' ? 'gap' : 'fallback', fn as never);
  }
  fire(k: 'a' | 'b', v: number | string) {
    this.c._emitLocal(k === 'a' ? 'gap' : 'fallback', v as never);
  }
}
afterEach(() => {
  while (clients.length) clients.pop()!.close();
});

describe('emitter', () => {
  it('on / off / once', () => {
    const e = new Test();
    const got: string[] = [];
    const f = (n: number) => got.push('f' + n);
    e.on('a', f);
    e.once('a', (n) => got.push('once' + n));
    e.fire('a', 1);
    e.fire('a', 2);
    e.off('a', f);
    e.fire('a', 3);
    expect(got).to.deep.equal(['f1', 'once1', 'f2']);
  });

  it('off() removes a once() listener by the original function', () => {
    const e = new Test();
    let n = 0;
    const f = () => n++;
    e.once('b', f);
    e.off('b', f);
    e.fire('b', 'x');
    expect(n).to.equal(0);
  });

  it('a throwing listener does not stop the others; the error is reported asynchronously', async () => {
    const e = new Test();
    const got: number[] = [];
    const reported: unknown[] = [];
    const prev = window.onerror;
    window.onerror = (msg) => {
      reported.push(msg);
      return true;
    };
    // mocha installs its own handler too; keep it from failing the test for this expected error.
    const mochaHandler = (ev: ErrorEvent) => ev.preventDefault();
    window.addEventListener('error', mochaHandler);
    try {
      e.on('a', () => { throw new Error('listener bug'); });
      e.on('a', (n) => got.push(n));
      e.fire('a', 5);
      expect(got).to.deep.equal([5]);
      await new Promise((r) => setTimeout(r, 20));
      expect(String(reported[0])).to.contain('listener bug');
    } finally {
      window.onerror = prev;
      window.removeEventListener('error', mochaHandler);
    }
  });
});
