/**
 * Scale-out: two nginx+nchan nodes, a and b, sharing one redis-server. Messages published on one
 * node reach subscribers of the other with the same ids, a client resumes on b from an id it got
 * on a, and a client given both nodes fails over from a to b mid-stream (a is stopped) without
 * losing or repeating a message. Prints the fail-over gap (time without messages).
 */
import { expect } from 'chai';
import type { Client } from '../../src/index.js';
import { connectNchan } from '../../src/profiles/nchan.js';
import type { FallbackEvent, OpenEvent } from '../../src/types.js';
import { ALL, ENGINE, audit, channel, collect, next, publish, sleep, startNode, stopNode, subUrl, waitFor, withPositionsNamed } from './helpers.js';

describe('nchan scale-out: two nodes, one redis', function () {
  this.timeout(120000);
  let clients: Client[] = [];
  let aStopped = false;
  afterEach(async () => {
    for (const c of clients) c.close();
    clients = [];
    if (aStopped) {
      await startNode('a');
      aStopped = false;
    }
  });

  for (const t of ALL) {
    it(`${t}: published on a, delivered on b with the same ids; resumed on b from an id seen on a`, async () => {
      const ch = channel('so');
      const onB = connectNchan(subUrl('b', ch), { transports: [t] });
      const onA = connectNchan(subUrl('a', ch), { transports: [t] });
      clients.push(onB, onA);
      const gotB = collect(onB);
      const gotA = collect(onA);
      await Promise.all([next(onA, 'open'), next(onB, 'open')]);
      const ids = await publish('a', ch, ['1', '2', '3', '4', '5']);
      await waitFor(() => gotA.length >= 5 && gotB.length >= 5, 'five messages on both nodes');
      expect(withPositionsNamed(gotB.map((m) => m.id), ids)).to.deep.equal(ids);
      expect(withPositionsNamed(gotA.map((m) => m.id), ids)).to.deep.equal(ids);

      // The a-client goes away after message 3; more is published on b; a new client resumes on b.
      onA.close();
      const more = await publish('b', ch, ['6', '7']);
      const resumed = connectNchan(subUrl('b', ch), { transports: [t], lastEventId: ids[2] });
      clients.push(resumed);
      const gotR = collect(resumed);
      expect(await next<OpenEvent>(resumed, 'open')).to.deep.equal({ transport: t, resumed: true });
      await waitFor(() => gotR.length >= 4, 'the resumed messages');
      await sleep(50);
      expect(gotR.map((m) => m.data)).to.deep.equal(['4', '5', '6', '7']);
      expect(withPositionsNamed(gotR.map((m) => m.id), [...ids.slice(3), ...more])).to.deep.equal([...ids.slice(3), ...more]);
    });
  }

  it('a dead first node costs no transport fallback: the attempt moves on to the next node', async () => {
    await stopNode('a');
    aStopped = true;
    const ch = channel('dead');
    const client = connectNchan([subUrl('a', ch), subUrl('b', ch)], { transports: ['websocket', 'sse'] });
    clients.push(client);
    const fallbacks: FallbackEvent[] = [];
    client.on('fallback', (e) => fallbacks.push(e));
    const got = collect(client);
    const open = await next<OpenEvent>(client, 'open');
    expect(open.transport).to.equal('websocket');
    expect(fallbacks).to.deep.equal([]);
    const ids = await publish('b', ch, ['x']);
    await waitFor(() => got.length >= 1, 'a message');
    expect(got[0].id).to.equal(ids[0]);
  });

  for (const t of ALL) {
    it(`${t}: fails over from node a to node b mid-stream: nothing lost, nothing twice, in order`, async () => {
      const ch = channel('fo');
      // Default reconnection settings: the gap printed is what an application would see.
      const client = connectNchan([subUrl('a', ch), subUrl('b', ch)], { transports: [t] });
      clients.push(client);
      const got = collect(client);
      const opens: { e: OpenEvent; at: number }[] = [];
      client.on('open', (e) => opens.push({ e, at: performance.now() }));
      await next(client, 'open');

      const published: string[] = [];
      const bodies: string[] = [];
      let publishing = true;
      let n = 0;
      const publisher = (async () => {
        while (publishing) {
          // On b: the publisher must not depend on the node that is stopped.
          const texts = [`p${n++}`, `p${n++}`];
          published.push(...(await publish('b', ch, texts)));
          bodies.push(...texts);
          await sleep(10);
        }
      })();
      await sleep(1000);
      const stopAt = performance.now();
      const { ms: stopMs } = await stopNode('a');
      aStopped = true;
      await waitFor(() => opens.length >= 2, 'the open on node b', 15000);
      await sleep(1500);
      publishing = false;
      await publisher;
      await waitFor(() => got.length >= published.length, `${published.length} messages (have ${got.length})`, 15000);
      await sleep(100);
      // By body: a long-poll batch gives some messages position ids.
      const result = audit(bodies, got.map((m) => m.data));

      // The longest time without a message after a was stopped, and until the open on b.
      let gap = 0;
      const after = got.filter((m) => m.at >= stopAt - 50);
      let prev = got.filter((m) => m.at < stopAt).pop()?.at ?? stopAt;
      for (const m of after) {
        gap = Math.max(gap, m.at - prev);
        prev = m.at;
      }
      const reopen = opens[1].at - stopAt;
      console.log(
        `NCHAN-FAILOVER ${ENGINE} ${t}: messages=${published.length} lost=${result.lost} duplicated=${result.duplicated} inOrder=${result.inOrder} ` +
          `resumed=${opens[1].e.resumed} stop(a)=${stopMs}ms open-on-b=${reopen.toFixed(0)}ms gap=${gap.toFixed(0)}ms`,
      );
      expect(opens[1].e).to.deep.equal({ transport: t, resumed: true });
      expect(result).to.deep.equal({ lost: 0, duplicated: 0, inOrder: true });
    });
  }
});
