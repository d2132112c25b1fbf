/**
 * Each transport through a real pushpin in front of the example origin (examples/pushpin/):
 * ordered delivery with event names, resume after a given id, send() reaching the origin, a
 * custom streaming delimiter; then many messages published steadily while every client
 * connection to pushpin is cut every ~700 ms, with the origin's GRIP reliability and without it.
 */
import { expect } from 'chai';
import { connect } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { BuiltInTransport, OpenEvent } from '../../src/types.js';
import type { OriginStats } from './helpers.js';
import { ALL, ENGINE, PUSHPIN, audit, collect, countHoles, countOpens, drop, dropRepeatedly, next, publish, received, reliable, sleep, stats, waitFor } from './helpers.js';

const FAST = { initialDelay: 20, maxDelay: 100, jitter: 0.5, budget: 1000 };

/** How often pushpin asked the origin for what a transport's connections missed. */
function asks(s: OriginStats, t: BuiltInTransport): number {
  if (t === 'websocket') return s.webSocketChecks;
  if (t === 'longpoll') return s.pollRetries;
  return s.nextLinks[t];
}

/** Resolves once the origin has received `data` from a client; returns what it knows of the sender. */
async function receivedAtOrigin(data: string): Promise<{ transport: string | null; session: string | null }> {
  const end = Date.now() + 10000;
  for (;;) {
    const hit = (await received()).find((r) => r.data === data);
    if (hit) return hit;
    if (Date.now() > end) throw new Error(`the origin did not receive ${JSON.stringify(data)}`);
    await sleep(30);
  }
}

describe('pushpin: each transport', function () {
  this.timeout(120000);
  let client: Client | null = null;
  afterEach(() => client?.close());

  for (const t of ALL) {
    it(`${t}: resumes after a given id, delivers in order with event names; send() reaches the origin`, async () => {
      const before = await publish(['a', 'b', 'c']);
      client = connect(PUSHPIN.url, { transports: [t], lastEventId: before[0] });
      const got = collect(client);
      const open = await next<OpenEvent>(client, 'open');
      expect(open).to.deep.equal({ transport: t, resumed: true });
      await waitFor(() => got.length >= 2, 'the replay after the given id');

      const texts = Array.from({ length: 100 }, (_, i) => `m${i} ü😀 "quoted" \\ line\nbreak${i % 7 === 0 ? '\n\nblank line' : ''}`);
      const events = texts.map((_, i) => (i % 10 === 0 ? 'chat' : undefined));
      const live = await publish(texts.map((data, i) => ({ data, event: events[i] })));
      await waitFor(() => got.length >= 2 + texts.length, `${texts.length} live messages (have ${got.length - 2})`);
      await sleep(50);
      expect(got.map((m) => m.id)).to.deep.equal([...before.slice(1), ...live]);
      expect(got.slice(2).map((m) => m.data)).to.deep.equal(texts);
      expect(got.slice(2).map((m) => m.event)).to.deep.equal(events.map((e) => e ?? 'message'));
      expect(client.lastEventId).to.equal(live[live.length - 1]);

      const token = `hello over ${t} ${Math.random()}`;
      expect(client.send(token)).to.equal(true);
      const sender = await receivedAtOrigin(token);
      expect(sender.transport).to.equal(t);
      expect(sender.session).to.be.a('string');
    });
  }

  it('streaming: a delimiter of the site\'s choosing, also inside the messages', async () => {
    const delimiter = 'ThisCometMessageEnded';
    client = connect(PUSHPIN.url, { transports: ['streaming'], delimiter });
    const got = collect(client);
    await next<OpenEvent>(client, 'open');
    const texts = [`contains ${delimiter} in the middle`, delimiter, 'plain'];
    const ids = await publish(texts);
    await waitFor(() => got.length >= texts.length, 'the messages');
    expect(got.map((m) => m.id)).to.deep.equal(ids);
    expect(got.map((m) => m.data)).to.deep.equal(texts);
  });
});

describe('pushpin: connections cut every ~700 ms while messages are published', function () {
  this.timeout(180000);
  let client: Client | null = null;
  afterEach(async () => {
    client?.close();
    await reliable(true);
  });

  const TOTAL = ENGINE === 'chromium' ? 1000 : 400;
  /** Published in this many batches, PAUSE ms apart: about 4 s of publishing, several cuts. */
  const BATCHES = 50;
  const PAUSE = 70;

  async function cutRun(t: BuiltInTransport, withReliability: boolean): Promise<void> {
    await reliable(withReliability);
    client = connect(PUSHPIN.url, { transports: [t], reconnect: FAST, connectTimeout: 3000 });
    const got = collect(client);
    const opens = countOpens(client);
    const holes = countHoles(client);
    await next<OpenEvent>(client, 'open');
    const before = await stats();
    const cuts = dropRepeatedly(drop, 600, 800);
    const published: string[] = [];
    const batch = Math.ceil(TOTAL / BATCHES);
    for (let sent = 0; sent < TOTAL; sent += batch) {
      published.push(...(await publish(Array.from({ length: Math.min(batch, TOTAL - sent) }, (_, i) => `r${sent + i}`))));
      await sleep(PAUSE);
    }
    await waitFor(() => cuts.drops >= 4, 'four cuts', 10000);
    await cuts.stop();
    await waitFor(() => got.length >= TOTAL, `${TOTAL} messages (have ${got.length})`, 60000);
    await sleep(200);
    const after = await stats();
    const result = audit(published, got.map((m) => m.id));
    const refills = after.refills[t] - before.refills[t];
    const asked = asks(after, t) - asks(before, t);
    console.log(
      `PUSHPIN ${withReliability ? 'reliable' : 'plain'} ${ENGINE} ${t}: messages=${TOTAL} cuts=${cuts.drops} reconnects=${opens.opens - 1} ` +
        `resumed=${opens.resumed} holes=${holes.holes} pushpin-asked=${asked} pushpin-refilled=${refills} ` +
        `lost=${result.lost} duplicated=${result.duplicated} inOrder=${result.inOrder}`,
    );
    expect(cuts.drops).to.be.greaterThan(3);
    // A cut between two polls costs a long-poll client nothing: it may never need to reopen.
    if (t !== 'longpoll') expect(opens.opens).to.be.greaterThan(1);
    expect(opens.resumed).to.equal(opens.opens - 1);
    if (!withReliability) expect(refills, 'nothing recovered by pushpin without reliability').to.equal(0);
    expect(result).to.deep.equal({ lost: 0, duplicated: 0, inOrder: true });
  }

  for (const t of ALL) {
    it(`${t}, GRIP reliability on: ${TOTAL} messages, none lost, none twice, in order`, () => cutRun(t, true));
  }
  for (const t of ALL) {
    it(`${t}, no GRIP reliability (the client's prev check alone): ${TOTAL} messages, none lost, none twice, in order`, () => cutRun(t, false));
  }
});
