/**
 * Reconnection and resume on every transport, against the real reference server: messages
 * published at a steady rate while the server drops every connection about every 200 ms must
 * arrive exactly once, in order. Full counts in Chromium, shorter runs in Firefox and WebKit.
 */
import { expect } from 'chai';
import { connect } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { GapEvent, OpenEvent, ReconnectingEvent, TransportName } from '../../src/types.js';
import { ALL, ENGINE, ORIGIN, audit, block, collect, countOpens, drop, dropRepeatedly, next, publishMany, sleep, unblockAll, waitFor } from './helpers.js';

const chromium = ENGINE === 'chromium';
const TOTAL = chromium ? 5000 : 1000;
const FAST = { initialDelay: 20, maxDelay: 100, jitter: 0.5, budget: 1000 };

/** Publishes `total` messages in batches at a steady rate while `during` runs alongside. */
async function steadyPublish(total: number, batch: number, every: number): Promise<string[]> {
  const ids: string[] = [];
  for (let sent = 0; sent < total; sent += batch) {
    const n = Math.min(batch, total - sent);
    ids.push(...(await publishMany(Array.from({ length: n }, (_, i) => ({ data: 'r' + (sent + i) })))));
    await sleep(every);
  }
  return ids;
}


describe('reconnect and resume', function () {
  this.timeout(120000);
  let client: Client | null = null;
  beforeEach(unblockAll);
  afterEach(async () => {
    client?.close();
    await unblockAll();
  });

  for (const t of ALL) {
    it(`${t}: ${TOTAL} messages, a drop every ~200 ms: none lost, none twice, in order`, async () => {
      client = connect(ORIGIN, { transports: [t], reconnect: FAST, connectTimeout: 3000 });
      const got = collect(client);
      const n = countOpens(client);
      await next<OpenEvent>(client, 'open');
      const cuts = dropRepeatedly(drop);
      const published = await steadyPublish(TOTAL, 25, 20);
      await cuts.stop();
      await waitFor(() => got.length >= TOTAL, `${TOTAL} messages (have ${got.length})`, 60000);
      await sleep(100);
      const result = audit(published, got.map((m) => m.id));
      console.log(`RELIABILITY ${navigator.userAgent.match(/(Chrome|Firefox|Version)\/[\d.]+/)?.[0]} ${t}: messages=${TOTAL} drops=${cuts.drops} reconnects=${n.opens - 1} lost=${result.lost} duplicated=${result.duplicated} inOrder=${result.inOrder}`);
      expect(cuts.drops).to.be.greaterThan(3);
      // A dropped long poll may never be seen: browsers retry a GET whose reused keep-alive
      // socket was reset, so only the other transports must have reconnected.
      if (t !== 'longpoll') expect(n.opens).to.be.greaterThan(1);
      expect(n.resumed).to.equal(n.opens - 1); // every reconnection resumed
      expect(result).to.deep.equal({ lost: 0, duplicated: 0, inOrder: true });
    });
  }

  it('switching transport mid-stream (block the one in use, later lift it) loses and repeats nothing', async () => {
    const order: TransportName[] = ['websocket', 'sse', 'streaming', 'longpoll'];
    client = connect(ORIGIN, { transports: order, reconnect: FAST, connectTimeout: 1500 });
    const got = collect(client);
    const used: string[] = [];
    client.on('open', (e) => used.push(e.transport));
    await next<OpenEvent>(client, 'open');
    const publishing = steadyPublish(chromium ? 2000 : 600, 20, 20);
    for (const t of ['websocket', 'sse', 'streaming'] as const) {
      await sleep(300);
      await block(t, 'refuse');
      await drop();
      await waitFor(() => used[used.length - 1] !== t, `a switch away from ${t}`, 8000);
    }
    await unblockAll();
    const published = await publishing;
    await waitFor(() => got.length >= published.length, 'every message', 30000);
    await sleep(100);
    expect(used.slice(0, 4)).to.deep.equal(['websocket', 'sse', 'streaming', 'longpoll']);
    expect(audit(published, got.map((m) => m.id))).to.deep.equal({ lost: 0, duplicated: 0, inOrder: true });
  });

  it('resumes across page loads from the lastEventId option', async () => {
    const ids = await publishMany([{ data: 'p1' }, { data: 'p2' }, { data: 'p3' }]);
    client = connect(ORIGIN, { transports: ['sse'], lastEventId: ids[0] });
    const got = collect(client);
    const open = await next<OpenEvent>(client, 'open');
    expect(open.resumed).to.equal(true);
    await waitFor(() => got.length >= 2, 'replayed messages');
    expect(got.map((m) => m.data)).to.deep.equal(['p2', 'p3']);
  });

  for (const t of ALL) {
    it(`${t}: a client away longer than the history gets a gap event, then the live stream`, async () => {
      const [old] = await publishMany([{ data: 'old' }]);
      // The test server keeps 1000 messages: push the old id out of its history.
      await publishMany(Array.from({ length: 1001 }, (_, i) => ({ data: 'filler' + i })));
      client = connect(ORIGIN, { transports: [t], lastEventId: old });
      const got = collect(client);
      const order: string[] = [];
      client.on('open', (e) => order.push('open:' + e.resumed));
      client.on('gap', () => order.push('gap'));
      const gap = await next<GapEvent>(client, 'gap');
      expect(gap).to.deep.equal({ lastEventId: old, transport: t });
      expect(order).to.deep.equal(['open:false', 'gap']);
      const ids = await publishMany([{ data: 'live' }]);
      await waitFor(() => got.length >= 1, 'the live message');
      expect(got.map((m) => m.id)).to.deep.equal(ids);
    });
  }

  it('an unknown id (e.g. after a server restart) is a gap too', async () => {
    client = connect(ORIGIN, { transports: ['longpoll'], lastEventId: 'no-such-id' });
    const gap = await next<GapEvent>(client, 'gap');
    expect(gap.lastEventId).to.equal('no-such-id');
  });

  it('a fresh client that reconnects before its first message still gets what was published meanwhile', async () => {
    client = connect(ORIGIN, { transports: ['websocket'], reconnect: { initialDelay: 300, jitter: 0 } });
    const got = collect(client);
    await next<OpenEvent>(client, 'open');
    const reopening = next<OpenEvent>(client, 'open');
    await drop();
    const ids = await publishMany([{ data: 'during the outage' }]);
    const reopened = await reopening;
    expect(reopened.resumed).to.equal(true);
    await waitFor(() => got.length >= 1, 'the message');
    expect(got.map((m) => m.id)).to.deep.equal(ids);
  });

  it('backoff: with the server refusing, attempts follow the policy and the retry budget', async () => {
    await block('longpoll', 'refuse');
    client = connect(ORIGIN, {
      transports: ['longpoll'],
      reconnect: { initialDelay: 100, factor: 2, maxDelay: 400, jitter: 0, budget: 6 },
    });
    const delays: number[] = [];
    client.on('reconnecting', (e: ReconnectingEvent) => delays.push(e.delay));
    await waitFor(() => delays.length >= 5, 'five reconnect schedules', 5000);
    expect(delays.slice(0, 5)).to.deep.equal([100, 200, 400, 400, 400]);
    // 6 attempts fit the budget; the 7th waits for the 60 s window.
    await sleep(600);
    const before = delays.length;
    await sleep(1000);
    expect(delays.length).to.equal(before);
    expect(client.state).to.equal('reconnecting');
  });

  it('maxAttempts: gives up with an exhausted error and closes', async () => {
    await block('longpoll', 'refuse');
    client = connect(ORIGIN, { transports: ['longpoll'], reconnect: { initialDelay: 10, jitter: 0, maxAttempts: 3 } });
    const err = await next<Error & { code: string }>(client, 'error', 5000);
    expect(err.code).to.equal('exhausted');
    expect(client.state).to.equal('closed');
  });

  it('reconnect: false stops at the first failure after open', async () => {
    client = connect(ORIGIN, { transports: ['websocket'], reconnect: false });
    await next(client, 'open');
    const closed = next<{ error: { code: string } }>(client, 'close');
    await drop();
    expect((await closed).error.code).to.equal('closed');
  });

  it('a half-open connection (silence past heartbeatTimeout) is detected and replaced', async () => {
    client = connect(ORIGIN, { transports: ['websocket'], heartbeatTimeout: 1500, reconnect: FAST });
    await next(client, 'open');
    await block('websocket', 'buffer'); // the live socket stops delivering, like a dead peer
    const r = await next<ReconnectingEvent>(client, 'reconnecting', 6000);
    expect(r.error.code).to.equal('muted');
  });

  it('dynamic options: headers, query and token functions (sync and async) are called on each connection', async () => {
    let calls = 0;
    client = connect(ORIGIN, {
      transports: ['streaming'],
      reconnect: FAST,
      token: () => Promise.resolve('good-tok' + ++calls), // the test server lets tokens starting with "good" in
      query: () => ({ attempt: String(calls) }),
    });
    await next(client, 'open');
    const reopened = next(client, 'open');
    await drop();
    await reopened;
    expect(calls).to.equal(2);
  });

  it('close() stops everything: no further events, no reconnection', async () => {
    client = connect(ORIGIN, { transports: ['streaming'], reconnect: FAST });
    await next(client, 'open');
    const events: string[] = [];
    for (const n of ['open', 'message', 'error', 'reconnecting', 'fallback'] as const) client.on(n, () => events.push(n));
    let closes = 0;
    client.on('close', () => closes++);
    client.close();
    client.close();
    await publishMany([{ data: 'after close' }]);
    await drop();
    await sleep(300);
    expect(events).to.deep.equal([]);
    expect(closes).to.equal(1);
    expect(client.state).to.equal('closed');
    expect(client.transport).to.equal(null);
  });

  it("whenHidden: 'pause' closes the connection in a hidden page and resumes when visible", async () => {
    const setVisibility = (v: 'hidden' | 'visible') => {
      Object.defineProperty(document, 'visibilityState', { value: v, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    };
    try {
      client = connect(ORIGIN, { transports: ['sse'], whenHidden: 'pause', pauseAfter: 100 });
      const got = collect(client);
      await next(client, 'open');
      setVisibility('hidden');
      await waitFor(() => client!.state === 'paused', 'the paused state');
      expect(client.transport).to.equal(null);
      const ids = await publishMany([{ data: 'while hidden' }]);
      await sleep(100);
      expect(got.length).to.equal(0);
      const reopened = next<OpenEvent>(client, 'open');
      setVisibility('visible');
      expect((await reopened).resumed).to.equal(true);
      await waitFor(() => got.length >= 1, 'the message published while hidden');
      expect(got.map((m) => m.id)).to.deep.equal(ids);
    } finally {
      delete (document as { visibilityState?: unknown }).visibilityState;
    }
  });

  it('does not spin while offline, and reconnects when the browser is back online', async () => {
    client = connect(ORIGIN, { transports: ['websocket'], reconnect: { initialDelay: 10, jitter: 0, budget: 1000 } });
    await next(client, 'open');
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true });
    try {
      let attempts = 0;
      client.on('reconnecting', () => attempts++);
      const waiting = next<ReconnectingEvent>(client, 'reconnecting');
      await drop();
      await waiting;
      await sleep(500);
      expect(attempts).to.equal(1); // one schedule, then it waits for the network
      expect(client.state).to.equal('reconnecting');
    } finally {
      delete (navigator as { onLine?: unknown }).onLine;
    }
    const reopened = next<OpenEvent>(client, 'open');
    window.dispatchEvent(new Event('online'));
    expect((await reopened).resumed).to.equal(true);
  });

  it('reconnects at once when the browser comes back online', async () => {
    client = connect(ORIGIN, { transports: ['websocket'], reconnect: { initialDelay: 60000, jitter: 0 } });
    await next(client, 'open');
    const waiting = next<ReconnectingEvent>(client, 'reconnecting');
    await drop();
    await waiting;
    const t0 = Date.now();
    window.dispatchEvent(new Event('online'));
    await next(client, 'open', 5000);
    expect(Date.now() - t0).to.be.lessThan(5000);
  });
});
