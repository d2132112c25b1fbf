/**
 * Messages lost between the origin and pushpin (`lose`: the origin keeps them in its history but
 * does not hand them to pushpin, as when a publish request fails). With the origin's GRIP
 * reliability, pushpin notices the hole itself (the next item's prev-id) and fills it from the
 * origin, on SSE, streaming and long polling; WebSocket subscriptions have no prev-id in pushpin,
 * and there the client notices (the message frame's `prev`) and resumes from the origin. Without
 * the reliability, the client notices on every transport. A hole the origin's history no longer
 * covers ends as a `gap` either way.
 */
import { expect } from 'chai';
import { connect } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { GapEvent } from '../../src/types.js';
import { ALL, PUSHPIN, audit, collect, countHoles, lose, next, publish, reliable, sleep, stats, waitFor } from './helpers.js';

const FAST = { initialDelay: 20, maxDelay: 100, jitter: 0.5, budget: 1000 };

describe('pushpin: messages lost between the origin and pushpin', function () {
  this.timeout(60000);
  let client: Client | null = null;
  afterEach(async () => {
    client?.close();
    for (const t of ALL) await lose(t, 0);
    await reliable(true);
  });

  for (const withReliability of [true, false]) {
    for (const t of ALL) {
      const pushpinFills = withReliability && t !== 'websocket';
      const what = pushpinFills ? 'pushpin fills the hole from the origin, the client sees none' : 'the client sees the hole and resumes from the origin';
      it(`${t}, GRIP reliability ${withReliability ? 'on' : 'off'}: ${what}: nothing lost, repeated or reordered`, async () => {
        await reliable(withReliability);
        client = connect(PUSHPIN.url, { transports: [t], reconnect: FAST });
        const got = collect(client);
        const holes = countHoles(client);
        await next(client, 'open');
        const first = await publish(['a', 'b', 'c']);
        await waitFor(() => got.length === 3, 'three messages');
        // Long polling: let the next poll reach pushpin and be held, so that pushpin, not the
        // origin answering a late poll from its history, is the one that meets the hole.
        if (t === 'longpoll') await sleep(300);
        const before = await stats();
        await lose(t, 2);
        const then = await publish(Array.from({ length: 5 }, (_, i) => 'after ' + i));
        const published = [...first, ...then];
        await waitFor(() => got.length >= published.length, `every message (have ${got.length})`, 20000);
        const after = await stats();
        expect(audit(published, got.map((m) => m.id))).to.deep.equal({ lost: 0, duplicated: 0, inOrder: true });
        if (pushpinFills) {
          expect(holes.holes, 'the client saw no hole').to.equal(0);
          expect(after.refills[t] - before.refills[t], 'pushpin asked the origin').to.be.at.least(1);
        } else {
          expect(holes.holes, 'the client saw the hole').to.be.at.least(1);
          expect(after.refills[t] - before.refills[t], 'pushpin filled nothing').to.equal(0);
        }
      });
    }
  }

  for (const t of ALL) {
    it(`${t}: a hole the origin's history no longer covers is a gap, then the live stream goes on`, async () => {
      client = connect(PUSHPIN.url, { transports: [t], reconnect: FAST });
      const got = collect(client);
      const gaps: GapEvent[] = [];
      client.on('gap', (e) => gaps.push(e));
      await next(client, 'open');
      const [first] = await publish(['first']);
      await waitFor(() => got.length === 1, 'the first message');
      await lose(t, 1);
      // More than the history holds: by the time anyone asks the origin, the hole is gone from it.
      await publish(Array.from({ length: PUSHPIN.history + 10 }, (_, i) => 'flood ' + i));
      await waitFor(() => gaps.length === 1, 'a gap event', 20000);
      expect(gaps[0]).to.deep.equal({ lastEventId: first, transport: t });
      const [live] = await publish(['live']);
      await waitFor(() => got.some((m) => m.id === live), 'the live message after the gap');
      const ids = got.map((m) => Number(m.id));
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1]), 'in order').to.equal(true);
    });
  }
});
