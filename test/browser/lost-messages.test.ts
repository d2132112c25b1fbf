/**
 * An intermediary that loses messages, imitated by the reference server (`lose`): every message
 * names the one before it (`prev`), so the client notices the hole, resumes from its cursor, and
 * gets the lost messages back — or, when the server no longer has them, says `gap`. On every
 * transport, against the real server.
 */
import { expect } from 'chai';
import { connect } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { GapEvent, ReconnectingEvent } from '../../src/types.js';
import { ALL, ORIGIN, audit, collect, lose, next, publishMany, unblockAll, waitFor } from './helpers.js';

/** The reference server of the test run keeps this many messages (web-test-runner.config.mjs: the default). */
const HISTORY = 1000;

describe('messages lost on the way', function () {
  this.timeout(30000);
  let client: Client | null = null;
  beforeEach(unblockAll);
  afterEach(async () => {
    client?.close();
    for (const t of ALL) await lose(t, 0);
  });

  for (const t of ALL) {
    it(`${t}: a hole is noticed and filled by a resume: nothing lost, repeated or reordered`, async () => {
      client = connect(ORIGIN, { transports: [t] });
      const got = collect(client);
      const missed: ReconnectingEvent[] = [];
      client.on('reconnecting', (e) => e.error.code === 'missed' && missed.push(e));
      await next(client, 'open');
      const before = await publishMany([{ data: 'a' }, { data: 'b' }, { data: 'c' }]);
      await waitFor(() => got.length === 3, 'three messages');
      await lose(t, 2);
      const after = await publishMany(Array.from({ length: 5 }, (_, i) => ({ data: 'after ' + i })));
      const published = [...before, ...after];
      await waitFor(() => got.length >= published.length, 'every message');
      expect(audit(published, got.map((m) => m.id))).to.deep.equal({ lost: 0, duplicated: 0, inOrder: true });
      expect(missed.length, 'the hole was noticed').to.be.at.least(1);
      expect(missed[0].delay).to.equal(0);
    });

    it(`${t}: a hole the server can no longer fill is a gap, then the live stream goes on`, async () => {
      client = connect(ORIGIN, { transports: [t] });
      const got = collect(client);
      const gaps: GapEvent[] = [];
      client.on('gap', (e) => gaps.push(e));
      await next(client, 'open');
      const [first] = await publishMany([{ data: 'first' }]);
      await waitFor(() => got.length === 1, 'the first message');
      await lose(t, 1);
      // More than the history holds, at once: by the time the client resumes, the hole is gone.
      await publishMany(Array.from({ length: HISTORY + 10 }, (_, i) => ({ data: 'flood ' + i })));
      await waitFor(() => gaps.length === 1, 'a gap event');
      expect(gaps[0]).to.deep.equal({ lastEventId: first, transport: t });
      const [live] = await publishMany([{ data: 'live' }]);
      await waitFor(() => got.some((m) => m.id === live), 'the live message after the gap');
      const ids = got.map((m) => Number(m.id));
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1]), 'in order').to.equal(true);
    });
  }
});
