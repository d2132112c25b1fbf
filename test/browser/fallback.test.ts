/** Fallback down the order when a transport is missing, refused, hangs or is buffered. */
import { expect } from 'chai';
import { connect } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { FallbackEvent, OpenEvent, TransportName } from '../../src/types.js';
import { ALL, ENGINE, withFallback, ORIGIN, block, collect, next, publishMany, unblockAll, waitFor, sleep } from './helpers.js';

const EXPECTED = { refuse: 'refused', hang: 'timeout', buffer: 'buffered' } as const;
// Firefox reveals an HTTP response to the page (fetch, EventSource) only once its first body
// bytes arrive, so a proxy that sends headers and then buffers looks like a hang there.
const firefox = ENGINE === 'firefox';
const bufferedAs = (t: TransportName) => (firefox && t !== 'websocket' ? 'timeout' : 'buffered');
const expected = (t: TransportName, mode: keyof typeof EXPECTED) => (mode === 'buffer' ? bufferedAs(t) : EXPECTED[mode]);

describe('fallback', () => {
  let client: Client | null = null;
  beforeEach(unblockAll);
  afterEach(async () => {
    client?.close();
    await unblockAll();
  });

  for (const t of ALL) {
    const order: TransportName[] = withFallback(t);
    for (const mode of ['refuse', 'hang', 'buffer'] as const) {
      // A complete long-poll response passes a buffering proxy: it is what the others fall back to.
      if (t === 'longpoll' && mode === 'buffer') continue;
      it(`${t} ${mode} → ${order[1]}, and every message after open arrives`, async () => {
        await block(t, mode);
        client = connect(ORIGIN, { transports: order, connectTimeout: 1500 });
        const fallbacks: FallbackEvent[] = [];
        client.on('fallback', (e) => fallbacks.push(e));
        const got = collect(client);
        const open = await next<OpenEvent>(client, 'open', 8000);
        expect(open.transport).to.equal(order[1]);
        // A refused transport is reported at once; one that hangs or is buffered races the next
        // one (which wins), and is reported when it gives up, at its connectTimeout.
        await waitFor(() => fallbacks.length > 0, 'the fallback event', 3000);
        expect(fallbacks.length).to.equal(1);
        expect(fallbacks[0]).to.include({ transport: t, reason: expected(t, mode), next: order[1], attempt: 1 });
        expect(fallbacks[0].error.code).to.equal(expected(t, mode));
        expect(fallbacks[0].elapsed).to.be.a('number');
        const ids = await publishMany(Array.from({ length: 50 }, (_, i) => ({ data: 'after-' + i })));
        await waitFor(() => got.length >= 50, '50 messages');
        expect(got.map((m) => m.id)).to.deep.equal(ids);
      });
    }
  }

  it('a long poll still works behind a buffering proxy', async () => {
    await block('longpoll', 'buffer');
    client = connect(ORIGIN, { transports: ['longpoll'], connectTimeout: 3000 });
    const got = collect(client);
    await next(client, 'open');
    const ids = await publishMany([{ data: 'a' }, { data: 'b' }]);
    await waitFor(() => got.length >= 2, '2 messages');
    expect(got.map((m) => m.id)).to.deep.equal(ids);
  });

  it('walks the whole order when the first three are blocked in different ways', async () => {
    await block('websocket', 'refuse');
    await block('sse', 'hang');
    await block('streaming', 'buffer');
    client = connect(ORIGIN, { connectTimeout: 1500 });
    const fallbacks: FallbackEvent[] = [];
    client.on('fallback', (e) => fallbacks.push(e));
    const open = await next<OpenEvent>(client, 'open', 10000);
    expect(open.transport).to.equal('longpoll');
    await waitFor(() => fallbacks.length === 3, 'the three fallback events', 3000);
    // The refused WebSocket at once; sse hangs, so streaming races it and is replaced by long
    // polling when it stays silent (the most preferred attempt is kept); sse gives up at its timeout.
    expect(fallbacks.map((f) => [f.transport, f.reason, f.next])).to.deep.equal([
      ['websocket', 'refused', 'sse'],
      ['streaming', bufferedAs('streaming'), 'longpoll'],
      ['sse', 'timeout', 'longpoll'],
    ]);
  });

  it('a connection that goes muted after open is reported as such and moves down the order', async () => {
    client = connect(ORIGIN, { transports: ['streaming', 'longpoll'], heartbeatTimeout: 2500 });
    const first = await next<OpenEvent>(client, 'open');
    expect(first.transport).to.equal('streaming');
    // 'buffer' also holds back the bytes of live responses: the open stream falls silent,
    // heartbeats included, as when a proxy or antivirus starts buffering mid-stream.
    await block('streaming', 'buffer');
    const f = await next<FallbackEvent>(client, 'fallback', 8000);
    expect(f).to.include({ transport: 'streaming', reason: 'muted', next: 'longpoll' });
    expect((await next<OpenEvent>(client, 'open', 8000)).transport).to.equal('longpoll');
  });

  it('heartbeatTimeout 0 turns the liveness check off: a silent open connection is kept', async () => {
    client = connect(ORIGIN, { transports: ['streaming', 'longpoll'], heartbeatTimeout: 0, connectTimeout: 800 });
    const events: string[] = [];
    for (const name of ['fallback', 'reconnecting', 'error', 'close'] as const) client.on(name, () => events.push(name));
    expect((await next<OpenEvent>(client, 'open')).transport).to.equal('streaming');
    await block('streaming', 'buffer'); // silent from now on, pings included
    await sleep(2000); // past connectTimeout too: its timer must not outlive the open
    expect(events).to.deep.equal([]);
    expect([client.state, client.transport]).to.deep.equal(['open', 'streaming']);
  });

  it('reports every transport failed and retries when all are refused, then connects once one is lifted', async () => {
    for (const t of ALL) await block(t, 'refuse');
    client = connect(ORIGIN, { connectTimeout: 1500, reconnect: { initialDelay: 100, maxDelay: 200, jitter: 0 } });
    const fallbacks: FallbackEvent[] = [];
    client.on('fallback', (e) => fallbacks.push(e));
    await waitFor(() => fallbacks.length >= 4, 'four fallbacks');
    expect(fallbacks[3]).to.include({ transport: 'longpoll', next: null });
    await block('sse', null);
    const open = await next<OpenEvent>(client, 'open', 8000);
    expect(open.transport).to.equal('sse');
    await sleep(10);
  });
});

describe('feature detection', () => {
  let client: Client | null = null;
  const hidden: [string, unknown][] = [];
  const hide = (...names: string[]) => {
    for (const n of names) {
      hidden.push([n, (window as never)[n]]);
      delete (window as never as Record<string, unknown>)[n];
      if ((window as never as Record<string, unknown>)[n]) (window as never as Record<string, unknown>)[n] = undefined;
    }
  };
  beforeEach(unblockAll);
  afterEach(() => {
    client?.close();
    for (const [n, v] of hidden.splice(0)) (window as never as Record<string, unknown>)[n] = v;
  });

  it('skips WebSocket where the browser lacks it; sse needs no EventSource (the client reads the stream itself)', async () => {
    hide('WebSocket', 'EventSource');
    client = connect(ORIGIN);
    const fallbacks: FallbackEvent[] = [];
    client.on('fallback', (e) => fallbacks.push(e));
    const open = await next<OpenEvent>(client, 'open');
    expect(open.transport).to.equal('sse');
    expect(fallbacks.map((f) => [f.transport, f.reason])).to.deep.equal([['websocket', 'unsupported']]);
  });

  it('streams over XHR progress events where fetch streaming is missing', async () => {
    hide('ReadableStream');
    const opened: string[] = [];
    const realOpen = XMLHttpRequest.prototype.open;
    XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...args: unknown[]) {
      opened.push(String(args[1]));
      return (realOpen as (...a: unknown[]) => void).apply(this, args);
    } as typeof realOpen;
    try {
      client = connect(ORIGIN, { transports: ['streaming'] });
      const got = collect(client);
      await next(client, 'open');
      expect(opened.some((u) => u.includes('/stream'))).to.equal(true);
      const msgs = Array.from({ length: 300 }, (_, i) => ({ data: `x${i} 中文😀`.repeat(i % 7 + 1) }));
      const ids = await publishMany(msgs);
      await waitFor(() => got.length >= 300, '300 messages');
      expect(got.map((m) => m.id)).to.deep.equal(ids);
      expect(got.map((m) => m.data)).to.deep.equal(msgs.map((m) => m.data));
    } finally {
      XMLHttpRequest.prototype.open = realOpen;
    }
  });

  it('XHR streaming ends and resumes its response past 4 MiB, so responseText stays bounded', async () => {
    hide('ReadableStream');
    client = connect(ORIGIN, { transports: ['streaming'], reconnect: { initialDelay: 20, jitter: 0 } });
    const got = collect(client);
    let opens = 0;
    client.on('open', () => opens++);
    await next(client, 'open');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(...(await publishMany([{ data: String(i).repeat(900000) }])));
    await waitFor(() => got.length >= 6, 'six large messages', 20000);
    // The recycle may come after the last message, when an engine delivers the body in one piece.
    await waitFor(() => opens > 1, 'the response to be ended and resumed', 10000);
    expect(got.map((m) => m.id)).to.deep.equal(ids);
  });

  it('closes with a no-transport error when the browser has none of the configured ones', async () => {
    hide('WebSocket', 'XMLHttpRequest');
    client = connect(ORIGIN, { transports: ['websocket', 'sse'] });
    const err = await next<Error & { code: string }>(client, 'error');
    expect(err.code).to.equal('no-transport');
    expect(client.state).to.equal('closed');
  });
});
