/**
 * No silent loss: when nchan no longer has the message a client resumes from, the client emits
 * `gap` (nchan does not say so itself; src/profiles/nchan/resume.ts finds it). On every
 * transport:
 *  - history pushed out of a short buffer (node m, the `pubsmall` publisher keeps 5 messages):
 *    gap, also when the oldest message left is the first of its second (an id that names no
 *    predecessor); and no gap, nothing lost or twice, when the history is still there;
 *  - Redis restarted mid-stream under two nodes: without persistence, either nothing is lost or
 *    the client says gap; with the append-only file, nothing is lost.
 * And long polling catches up a backlog in a few requests with nchan's multipart batches
 * (figures printed: requests per backlog, with and without batches).
 */
import { expect } from 'chai';
import type { Client } from '../../src/index.js';
import { connectNchan } from '../../src/profiles/nchan.js';
import type { GapEvent, TransportName } from '../../src/types.js';
import {
  ALL,
  ENGINE,
  POSITION_ID,
  SMALL_BUFFER,
  audit,
  channel,
  collect,
  drop,
  next,
  publish,
  publishUntilRefused,
  redisRestart,
  sleep,
  subUrl,
  waitFor,
  withPositionsNamed,
  type NodeName,
  type Persistence,
} from './helpers.js';

const FAST = { initialDelay: 50, maxDelay: 300, jitter: 0.5, budget: 1000 };
/** A network outage long enough for the test to publish what the client must miss meanwhile. */
const OUTAGE = 2500;

/** Resolves just after the server's clock starts a new second (nchan ids count per second). */
function nextSecond(): Promise<void> {
  return sleep(1000 - (Date.now() % 1000) + 30);
}

/** The `gap` events of a client, with how many messages it had delivered before each. */
function collectGaps(client: Client, got: unknown[]): (GapEvent & { delivered: number; at: number })[] {
  const gaps: (GapEvent & { delivered: number; at: number })[] = [];
  client.on('gap', (e) => gaps.push({ ...e, delivered: got.length, at: performance.now() }));
  return gaps;
}

describe('nchan: gaps when the history is gone (memory store, a 5-message buffer)', function () {
  this.timeout(60000);
  let client: Client | null = null;
  afterEach(() => client?.close());

  for (const t of ALL) {
    /**
     * A client on a `pubsmall` channel that has received x, then y, the first message of a
     * second (an id that names no predecessor), and is then cut off for OUTAGE ms.
     */
    async function cutOffAfterFirstOfASecond(tag: string) {
      const ch = channel(tag);
      client = connectNchan(subUrl('m', ch), { transports: [t], reconnect: FAST, pollSettle: 200 });
      const got = collect(client);
      const gaps = collectGaps(client, got);
      await next(client, 'open');
      const before = await publish('m', ch, ['x'], undefined, 'pubsmall');
      await nextSecond();
      before.push(...(await publish('m', ch, ['y'], undefined, 'pubsmall')));
      expect(before[1]).to.match(/:0$/);
      await waitFor(() => got.length >= 2, 'x and y');
      await drop(OUTAGE); // the client resumes from y once the network is back
      return { ch, got, gaps, before };
    }

    it(`${t}: away while its message and the next were pushed out; the oldest left starts a second: gap, then the buffer`, async () => {
      const { ch, got, gaps, before } = await cutOffAfterFirstOfASecond('gone');
      const missed = await publish('m', ch, ['z'], undefined, 'pubsmall');
      await nextSecond();
      const kept = await publish('m', ch, ['w0', 'w1', 'w2', 'w3', 'w4'], undefined, 'pubsmall');
      expect(kept[0]).to.match(/:0$/); // nchan's oldest message now names no predecessor either
      await waitFor(() => got.length >= 2 + SMALL_BUFFER, 'the buffer after the gap', 15000);
      const live = await publish('m', ch, ['live'], undefined, 'pubsmall');
      await waitFor(() => got.length >= 3 + SMALL_BUFFER, 'a live message');
      await sleep(50);
      expect(gaps.map((g) => [g.lastEventId, g.transport, g.delivered])).to.deep.equal([[before[1], t, 2]]);
      expect(got.map((m) => m.id)).to.deep.equal([...before, ...kept, ...live]);
      expect(missed.length).to.equal(1);
    });

    it(`${t}: away while the next message starts a second, history kept: no gap, nothing lost or twice`, async () => {
      const { ch, got, gaps, before } = await cutOffAfterFirstOfASecond('kept');
      await nextSecond();
      const during = await publish('m', ch, ['z0', 'z1'], undefined, 'pubsmall');
      expect(during[0]).to.match(/:0$/);
      await waitFor(() => got.length >= 4, 'z0 and z1', 15000);
      await sleep(100);
      expect(gaps).to.deep.equal([]);
      expect(got.map((m) => m.id)).to.deep.equal([...before, ...during]);
    });

    it(`${t}: a new client given a lastEventId nchan no longer has: gap, then the buffer`, async () => {
      const ch = channel('lastid');
      await nextSecond(); // all eight in one second: ids[1] names its predecessor
      const ids = await publish('m', ch, ['1', '2', '3', '4', '5', '6', '7', '8'], undefined, 'pubsmall');
      client = connectNchan(subUrl('m', ch), { transports: [t], lastEventId: ids[1], pollSettle: 200 });
      const got = collect(client);
      const gaps = collectGaps(client, got);
      await waitFor(() => got.length >= SMALL_BUFFER, 'the buffer');
      await sleep(100);
      expect(gaps.map((g) => [g.lastEventId, g.delivered])).to.deep.equal([[ids[1], 0]]);
      expect(got.map((m) => m.id)).to.deep.equal(ids.slice(8 - SMALL_BUFFER));
    });
  }
});

describe('nchan: resuming from a position id (a message a long-poll batch did not name)', function () {
  this.timeout(30000);
  let client: Client | null = null;
  afterEach(() => client?.close());

  for (const t of ALL) {
    it(`${t}: lastEventId "<id>+2" resumes after the second message following <id>`, async () => {
      const ch = channel('position');
      const ids = await publish('m', ch, ['0', '1', '2', '3', '4', '5']);
      client = connectNchan(subUrl('m', ch), { transports: [t], lastEventId: `${ids[0]}+2`, pollSettle: 200 });
      const got = collect(client);
      const gaps = collectGaps(client, got);
      await waitFor(() => got.length >= 3, 'the three after it');
      await sleep(100);
      expect(gaps).to.deep.equal([]);
      expect(got.map((m) => m.data)).to.deep.equal(['3', '4', '5']);
      expect(withPositionsNamed(got.map((m) => m.id), ids.slice(3))).to.deep.equal(ids.slice(3));
    });
  }
});

describe('nchan: Redis restarted mid-stream under two nodes', function () {
  this.timeout(120000);
  let client: Client | null = null;
  /** The persistence Redis runs with now (the other tests expect none). */
  let mode: Persistence = 'none';
  afterEach(() => client?.close());
  after(async () => {
    if (mode !== 'none') await redisRestart('none');
  });

  // Each transport at /sub/, and long polling at /poll/ too: one message per answer, so it falls
  // behind the publisher and Redis loses what it had not fetched yet (the case of issue 21).
  const cases: [TransportName, string][] = [...ALL.map((t): [TransportName, string] => [t, 'sub']), ['longpoll', 'poll']];
  // Redis alone: node a, where the client is, may still serve the channel from its own copy.
  // Redis and node a: the client resumes where the history is gone, unless Redis kept it.
  // appendfsync everysec only for the client that is behind (its cursor is the oldest).
  const scenarios: { persistence: Persistence; nodes: NodeName[]; only?: string }[] = [
    { persistence: 'none', nodes: [] },
    { persistence: 'none', nodes: ['a'] },
    { persistence: 'everysec', nodes: ['a'], only: 'poll' },
    { persistence: 'always', nodes: ['a'] },
  ];
  for (const { persistence, nodes, only } of scenarios) {
    for (const [t, location] of cases.filter(([, l]) => !only || l === only)) {
      const what = `Redis${nodes.length ? ' and node a' : ''} crashed, persistence ${persistence}`;
      it(`${t} at /${location}/, ${what}: ${persistence === 'always' ? 'nothing lost' : 'nothing lost without a gap event'}`, async () => {
        if (persistence !== mode) {
          // A mode change restarts Redis empty, before this test's channel exists.
          await redisRestart(persistence);
          mode = persistence;
        }
        const ch = channel('redis');
        client = connectNchan([subUrl('a', ch, location), subUrl('b', ch, location)], { transports: [t], reconnect: FAST, pollSettle: 200 });
        const got = collect(client);
        const gaps = collectGaps(client, got);
        await next(client, 'open');

        // Published on node b, ten at a time, each with the time its publication was confirmed.
        // While Redis is down nchan answers 503 and the message is not published.
        const published: { id: string; data: string; at: number }[] = [];
        let refused = 0;
        let n = 0;
        const publishSome = async (count: number) => {
          const batch = Array.from({ length: count }, (_, i) => `r${n + i}`);
          n += count; // a refused message's body is not used again (nchan may have stored it all the same)
          const { ids, error } = await publishUntilRefused('b', ch, batch);
          const at = performance.now();
          ids.forEach((id, i) => published.push({ id, data: batch[i], at }));
          if (error) {
            refused++;
            await sleep(50);
          }
        };
        const publishFor = async (ms: number) => {
          const end = performance.now() + ms;
          while (performance.now() < end) await publishSome(10);
        };
        await publishFor(1000);
        // A burst just before the crash: a client that reads one message per request is behind.
        await publishSome(300);
        let restarted = false;
        const restarting = redisRestart(persistence, nodes).finally(() => (restarted = true));
        while (!restarted) await publishSome(10);
        const restart = await restarting;
        await publishFor(1500);
        const lastId = published[published.length - 1].id;
        // The last message of a long-poll batch always has nchan's id (the others may have positions).
        await waitFor(() => got.some((m) => m.id === lastId), `the last message (have ${got.length} of ${published.length})`, 20000);
        await sleep(100);
        // By body (each is unique): long-poll batches give some messages position ids.
        const result = audit(
          published.map((p) => p.data),
          got.map((m) => m.data),
        );
        const seen = new Set(got.map((m) => m.data));
        // Lost after the last gap event: lost without the client saying so.
        const lastGapAt = gaps.length ? gaps[gaps.length - 1].at : -Infinity;
        const silent = published.filter((p) => !seen.has(p.data) && p.at > lastGapAt).length;
        console.log(
          `NCHAN-REDIS-RESTART ${ENGINE} ${t} /${location}/ ${nodes.length ? 'redis+a' : 'redis'} persistence=${persistence}: published=${published.length} refused=${refused} lost=${result.lost} ` +
            `silently=${silent} gaps=${gaps.length} duplicated=${result.duplicated} inOrder=${result.inOrder} redis-ready=${restart.readyMs}ms`,
        );
        expect(result.duplicated).to.equal(0);
        expect(silent).to.equal(0);
        if (result.lost > 0) expect(gaps.length).to.be.greaterThan(0);
        if (persistence === 'always') expect(result.lost).to.equal(0);
      });
    }
  }
});

describe('nchan: long polling catches up a backlog (figures)', function () {
  this.timeout(120000);
  let client: Client | null = null;
  let restoreOpen: (() => void) | null = null;
  afterEach(() => {
    client?.close();
    restoreOpen?.();
    restoreOpen = null;
  });

  /** Counts the requests this page opens for URLs that contain `needle`. */
  function countRequests(needle: string): { count: number } {
    const counter = { count: 0 };
    const open = XMLHttpRequest.prototype.open;
    XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, method: string, url: string | URL, ...rest: unknown[]) {
      if (String(url).indexOf(needle) >= 0) counter.count++;
      return (open as (...args: unknown[]) => void).call(this, method, url, ...rest);
    } as typeof XMLHttpRequest.prototype.open;
    restoreOpen = () => {
      XMLHttpRequest.prototype.open = open;
    };
    return counter;
  }

  const BACKLOG = ENGINE === 'chromium' ? 2000 : 1000;
  for (const [location, batches] of [
    ['sub', true],
    ['poll', false],
  ] as const) {
    it(`${batches ? 'with' : 'without'} multipart batches (/${location}/): a ${BACKLOG}-message backlog, resumed from its first message`, async () => {
      const ch = channel('backlog');
      const ids = await publish('m', ch, Array.from({ length: BACKLOG }, (_, i) => `b${i}`));
      const requests = countRequests(ch);
      const t0 = performance.now();
      client = connectNchan(subUrl('m', ch, location), { transports: ['longpoll'], lastEventId: ids[0], pollSettle: 200 });
      const got = collect(client);
      const gaps = collectGaps(client, got);
      await waitFor(() => got.length >= BACKLOG - 1, `the backlog (have ${got.length})`, 90000);
      const ms = performance.now() - t0;
      await sleep(100);
      const positions = got.filter((m) => POSITION_ID.test(m.id)).length;
      console.log(
        `NCHAN-LONGPOLL-BACKLOG ${ENGINE} /${location}/ (batches ${batches ? 'on' : 'off'}): ${BACKLOG - 1} messages in ${requests.count} requests ` +
          `(${((BACKLOG - 1) / requests.count).toFixed(1)} per request), ${ms.toFixed(0)} ms, ${positions} with position ids`,
      );
      expect(gaps).to.deep.equal([]);
      expect(got.map((m) => m.data)).to.deep.equal(Array.from({ length: BACKLOG - 1 }, (_, i) => `b${i + 1}`));
      expect(withPositionsNamed(got.map((m) => m.id), ids.slice(1))).to.deep.equal(ids.slice(1));
      // Batches: the verifying request (from the cursor's predecessor), the batch, the held poll.
      if (batches) expect(requests.count).to.be.at.most(4);
      else expect(requests.count).to.be.at.least(BACKLOG - 1);
    });
  }
});
