/**
 * Each transport alone against a real nginx+nchan node (memory store), at one location that
 * serves every subscriber type: ordered delivery with nchan's own ids, resume from a given id,
 * send() through nchan's publisher, resume across network drops. Long polling gets nchan's
 * multipart batches there, whose messages nchan does not name: some get position ids
 * (`<id>+<n>`), checked by their bodies.
 */
import { expect } from 'chai';
import { createClient } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import { nchan } from '../../src/profiles/nchan.js';
import type { OpenEvent } from '../../src/types.js';
import {
  ALL,
  ENGINE,
  POSITION_ID,
  audit,
  channel,
  channelMessages,
  collect,
  countOpens,
  drop,
  dropRepeatedly,
  next,
  publish,
  pubUrl,
  sleep,
  subUrl,
  waitFor,
  withPositionsNamed,
} from './helpers.js';

const FAST = { initialDelay: 20, maxDelay: 100, jitter: 0.5, budget: 1000 };

describe('nchan: each transport alone', function () {
  this.timeout(120000);
  let client: Client | null = null;
  afterEach(() => client?.close());

  for (const t of ALL) {
    it(`${t}: delivers messages in order with nchan's ids; send() publishes through nchan`, async () => {
      const ch = channel(t);
      const url = subUrl('m', ch);
      client = createClient(url, nchan(url, { transports: [t], publishUrl: pubUrl('m', ch) }));
      const got = collect(client);
      const open = await next<OpenEvent>(client, 'open');
      expect(open).to.deep.equal({ transport: t, resumed: false });

      const texts = Array.from({ length: 300 }, (_, i) => `m${i} ü😀 "quoted" \\ line\nbreak${i % 7 === 0 ? '\n\nblank line' : ''}`);
      const ids = await publish('m', ch, texts);
      await waitFor(() => got.length >= texts.length, `${texts.length} messages (have ${got.length})`, 20000);
      await sleep(50);
      expect(withPositionsNamed(got.map((m) => m.id), ids)).to.deep.equal(ids);
      expect(got.map((m) => m.data)).to.deep.equal(texts);
      expect(got.every((m) => m.event === 'message')).to.equal(true);
      expect(client.lastEventId).to.equal(ids[ids.length - 1]);
      expect(ids[0]).to.match(/^\d+:\d+$/);

      // send(): the client POSTs to nchan's publisher (with ?session only when it has one, and
      // Content-Type text/plain): the message lands on the channel and comes back to us.
      const token = `hello over ${t} ${Math.random()}`;
      expect(client.send(token)).to.equal(true);
      await waitFor(() => got.some((m) => m.data === token), 'the sent message back from the channel');
      const stored = await channelMessages('m', ch);
      expect(stored[stored.length - 1].data).to.equal(token);
      expect(stored[stored.length - 1].contentType).to.match(/^text\/plain/i);
    });

    it(`${t}: resumes after a given lastEventId with nchan's last_event_id`, async () => {
      const ch = channel(t);
      const url = subUrl('m', ch);
      const ids = await publish('m', ch, ['a', 'b', 'c', 'd', 'e']);
      client = createClient(url, nchan(url, { transports: [t], lastEventId: ids[1] }));
      const got = collect(client);
      const open = await next<OpenEvent>(client, 'open');
      expect(open).to.deep.equal({ transport: t, resumed: true });
      await waitFor(() => got.length >= 3, 'the 3 messages after the cursor');
      const more = await publish('m', ch, ['f', 'g']);
      await waitFor(() => got.length >= 5, 'the live messages');
      await sleep(50);
      expect(withPositionsNamed(got.map((m) => m.id), [...ids.slice(2), ...more])).to.deep.equal([...ids.slice(2), ...more]);
      expect(got.map((m) => m.data)).to.deep.equal(['c', 'd', 'e', 'f', 'g']);
    });
  }

  const TOTAL = ENGINE === 'chromium' ? 1000 : 400;
  for (const t of ALL) {
    it(`${t}: ${TOTAL} messages, the network cut every ~200 ms: none lost, none twice, in order`, async () => {
      const ch = channel(t);
      const url = subUrl('m', ch);
      client = createClient(url, nchan(url, { transports: [t], reconnect: FAST, connectTimeout: 3000, pollSettle: 200 }));
      const got = collect(client);
      const n = countOpens(client);
      await next<OpenEvent>(client, 'open');
      const cuts = dropRepeatedly(drop);
      // 50 batches at least 30 ms apart: about 1.5 s or more of publishing, several cuts.
      const published: string[] = [];
      const bodies: string[] = [];
      const batch = TOTAL / 50;
      for (let sent = 0; sent < TOTAL; sent += batch) {
        const texts = Array.from({ length: batch }, (_, i) => `r${sent + i}`);
        published.push(...(await publish('m', ch, texts)));
        bodies.push(...texts);
        await sleep(30);
      }
      await waitFor(() => cuts.drops >= 4, 'four cuts', 10000);
      await cuts.stop();
      await waitFor(() => got.length >= TOTAL, `${TOTAL} messages (have ${got.length})`, 60000);
      await sleep(100);
      // By body, as long-poll batches give some messages position ids; nchan's ids must match.
      const result = audit(bodies, got.map((m) => m.data));
      const idOf = new Map(bodies.map((b, i) => [b, published[i]]));
      expect(got.filter((m) => !POSITION_ID.test(m.id) && idOf.get(m.data) !== m.id)).to.deep.equal([]);
      console.log(`NCHAN-RELIABILITY ${ENGINE} ${t}: messages=${TOTAL} drops=${cuts.drops} reconnects=${n.opens - 1} resumed=${n.resumed} lost=${result.lost} duplicated=${result.duplicated} inOrder=${result.inOrder}`);
      expect(cuts.drops).to.be.greaterThan(3);
      if (t !== 'longpoll') expect(n.opens).to.be.greaterThan(1);
      expect(n.resumed).to.equal(n.opens - 1);
      expect(result).to.deep.equal({ lost: 0, duplicated: 0, inOrder: true });
    });
  }
});
