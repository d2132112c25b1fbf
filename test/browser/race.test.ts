/**
 * The transport race against the real reference server, with default options: for each network
 * of issue 18's table (imitated with srv.block()), the first message comes over the expected
 * transport, and the first 100 messages arrive without a loss, a duplicate or a step back, through
 * the race and the move up. How fast is measured by `npm run bench -- --only ttfm`, not here.
 */
import { expect } from 'chai';
import { connect } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { FallbackEvent, OpenEvent, PushlineMessage, TransportName } from '../../src/types.js';
import { ENGINE, ORIGIN, block, publishMany, sleep, unblockAll, waitFor } from './helpers.js';

type Mode = 'refuse' | 'hang' | 'buffer';

/** Publishes one message every 20 ms until stopped; resolves with the ids, in order. */
function publishSteadily(): { stop(): Promise<string[]> } {
  let running = true;
  const ids: string[] = [];
  const loop = (async () => {
    for (let i = 0; running; i++) {
      ids.push(...(await publishMany([{ data: 'race ' + i }])));
      await sleep(20);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return ids;
    },
  };
}

const ROWS: { network: string; blocks: [TransportName, Mode][]; first: TransportName }[] = [
  { network: 'open', blocks: [], first: 'websocket' },
  { network: 'WebSocket refused', blocks: [['websocket', 'refuse']], first: 'sse' },
  { network: 'WebSocket hangs', blocks: [['websocket', 'hang']], first: 'sse' },
  { network: 'WebSocket buffered', blocks: [['websocket', 'buffer']], first: 'sse' },
  { network: 'WebSocket refused, SSE buffered', blocks: [['websocket', 'refuse'], ['sse', 'buffer']], first: 'streaming' },
  { network: 'WebSocket and SSE hang', blocks: [['websocket', 'hang'], ['sse', 'hang']], first: 'streaming' },
  { network: 'WebSocket refused, streams buffered', blocks: [['websocket', 'refuse'], ['sse', 'buffer'], ['streaming', 'buffer']], first: 'longpoll' },
  { network: 'WebSocket hangs, streams buffered', blocks: [['websocket', 'hang'], ['sse', 'buffer'], ['streaming', 'buffer']], first: 'longpoll' },
];

describe('the transport race (default options)', function () {
  this.timeout(30000);
  let client: Client | null = null;
  beforeEach(unblockAll);
  afterEach(async () => {
    client?.close();
    await unblockAll();
  });

  for (const row of ROWS) {
    it(`${row.network}: the first message over ${row.first}, then 100 without a loss, a duplicate or a step back`, async () => {
      for (const [transport, mode] of row.blocks) await block(transport, mode);
      const publishing = publishSteadily();
      const started = performance.now();
      client = connect(ORIGIN);
      const got: (PushlineMessage & { transport: string | null })[] = [];
      const fallbacks: FallbackEvent[] = [];
      client.on('fallback', (e) => fallbacks.push(e));
      client.on('message', (m) => got.push({ ...m, transport: client!.transport }));
      await waitFor(() => got.length >= 1, 'the first message', 15000);
      const firstAfter = Math.round(performance.now() - started);
      await waitFor(() => got.length >= 100, '100 messages', 15000);
      const published = await publishing.stop();
      console.log(`RACE ${ENGINE} ${row.network}: first message after ${firstAfter} ms over ${got[0].transport}; fallbacks ${fallbacks.map((f) => f.transport + ':' + f.reason).join(', ') || 'none'}`);
      expect(got[0].transport).to.equal(row.first);
      const ids = got.slice(0, 100).map((m) => Number(m.id));
      expect(new Set(ids).size, 'no duplicate').to.equal(100);
      expect(ids.every((id, i) => i === 0 || id === ids[i - 1] + 1), 'consecutive ids: nothing lost, nothing out of order').to.equal(true);
      expect(published.map(Number)).to.include.members(ids);
      if (row.first === 'websocket') expect(fallbacks, 'an open network: no race').to.deep.equal([]);
    });
  }

  it('the move up: a buffered WebSocket that frees up after SSE won hands over without a loss, a duplicate or a step back', async () => {
    await block('websocket', 'buffer');
    const publishing = publishSteadily();
    client = connect(ORIGIN);
    const opens: OpenEvent[] = [];
    client.on('open', (e) => opens.push(e));
    const got: PushlineMessage[] = [];
    client.on('message', (m) => got.push(m));
    await waitFor(() => got.length >= 20 && client!.transport === 'sse', '20 messages over sse', 15000);
    await block('websocket', null); // what the proxy held goes out: the WebSocket's open frame at last
    await waitFor(() => client!.transport === 'websocket', 'the move up to websocket', 15000);
    const moved = got.length;
    await waitFor(() => got.length >= moved + 50, '50 more messages', 15000);
    await publishing.stop();
    expect(opens.map((o) => o.transport)).to.deep.equal(['sse', 'websocket']);
    const ids = got.map((m) => Number(m.id));
    expect(new Set(ids).size, 'no duplicate').to.equal(ids.length);
    expect(ids.every((id, i) => i === 0 || id === ids[i - 1] + 1), 'consecutive ids').to.equal(true);
  });
});

describe('a link that flaps (default options)', function () {
  this.timeout(60000);
  let client: Client | null = null;
  beforeEach(unblockAll);
  afterEach(() => client?.close());

  for (const t of ['websocket', 'sse', 'streaming', 'longpoll'] as TransportName[]) {
    it(`${t}: connections cut every 300 ms for 6 s, a message every 20 ms: nothing missing, delays printed`, async () => {
      client = connect(ORIGIN, { transports: [t] });
      const arrived = new Map<string, number>();
      const order: string[] = [];
      client.on('message', (m) => {
        order.push(m.id);
        arrived.set(m.id, performance.now());
      });
      await waitFor(() => client!.state === 'open', 'open');
      const publishedAt = new Map<string, number>();
      let cutting = true;
      const cuts = (async () => {
        while (cutting) {
          await sleep(300);
          if (cutting) await fetch(ORIGIN + '/_control/drop', { method: 'POST' });
        }
      })();
      const end = performance.now() + 6000;
      while (performance.now() < end) {
        const [id] = await publishMany([{ data: 'flap' }]);
        publishedAt.set(id, performance.now());
        await sleep(20);
      }
      cutting = false;
      await cuts;
      const ids = [...publishedAt.keys()];
      await waitFor(() => ids.every((id) => arrived.has(id)), 'every message', 20000);
      const delays = ids.map((id) => arrived.get(id)! - publishedAt.get(id)!).sort((a, b) => a - b);
      const p95 = delays[Math.floor(delays.length * 0.95)];
      const last = arrived.get(ids[ids.length - 1])! - publishedAt.get(ids[ids.length - 1])!;
      console.log(`FLAP ${ENGINE} ${t}: ${ids.length} messages, 95 % within ${Math.round(p95)} ms, the last after ${Math.round(last)} ms, longest ${Math.round(delays[delays.length - 1])} ms`);
      const mine = order.filter((id) => publishedAt.has(id));
      expect(mine).to.deep.equal(ids, 'every message once, in order');
    });
  }
});
