/**
 * Figures, not assertions on speed: messages per second through nchan on each transport, in the
 * browser, against node m directly (no drop proxy).
 *  - replay: N messages already in the channel's buffer, read by a fresh client (nchan's
 *    `nchan_subscriber_first_message oldest`), timed from connect() (connection set-up
 *    included) to the last message: what the transport can carry.
 *  - live: N messages published one after another (HTTP POSTs from the test runner) while the
 *    client is subscribed: bounded by the publisher, so the publish rate is printed too.
 */
import { expect } from 'chai';
import type { Client } from '../../src/index.js';
import { connectNchan } from '../../src/profiles/nchan.js';
import { ALL, ENGINE, NCHAN, channel, collect, next, publish, waitFor } from './helpers.js';

const N = ENGINE === 'chromium' ? 3000 : 1500;

describe('nchan: throughput (figures)', function () {
  this.timeout(180000);
  let client: Client | null = null;
  afterEach(() => client?.close());

  for (const t of ALL) {
    it(`${t}: messages/s, replay and live (${N} messages of ~100 bytes)`, async () => {
      const body = (i: number) => `${i} `.padEnd(100, 'x');
      const direct = `${NCHAN.m.direct}/sub/`;

      const ch1 = channel('tp-replay');
      const ids = await publish('m', ch1, Array.from({ length: N }, (_, i) => body(i)));
      // From connect(): replayed messages may arrive in the same task as the open event.
      const t0 = performance.now();
      client = connectNchan(direct + ch1, { transports: [t], pollSettle: 100 });
      const got1 = collect(client);
      await next(client, 'open');
      await waitFor(() => got1.length >= N, `${N} replayed (have ${got1.length})`, 120000);
      const replay = N / ((got1[N - 1].at - t0) / 1000);
      expect(got1[N - 1].id).to.equal(ids[N - 1]);
      client.close();

      const ch2 = channel('tp-live');
      client = connectNchan(direct + ch2, { transports: [t], pollSettle: 100 });
      const got2 = collect(client);
      await next(client, 'open');
      const p0 = performance.now();
      await publish('m', ch2, Array.from({ length: N }, (_, i) => body(i)));
      const pubRate = N / ((performance.now() - p0) / 1000);
      await waitFor(() => got2.length >= N, `${N} live (have ${got2.length})`, 120000);
      const live = N / ((got2[N - 1].at - p0) / 1000);
      console.log(`NCHAN-THROUGHPUT ${ENGINE} ${t}: replay=${replay.toFixed(0)} msg/s live=${live.toFixed(0)} msg/s (publisher ${pubRate.toFixed(0)} msg/s)`);
    });
  }
});
