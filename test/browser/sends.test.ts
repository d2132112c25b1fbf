/**
 * Client to server, exactly once, against the real reference server: thousands of sends while
 * the server drops every connection every ~200 ms and the transport in use is blocked midway (a
 * transport switch). The server's application must see each message once, in send order, and
 * every `done` callback must be called once, with null. On every transport.
 */
import { expect } from 'chai';
import { connect } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { PushlineError, TransportName } from '../../src/types.js';
import { ALL, ENGINE, withFallback, ORIGIN, audit, block, countOpens, drop, dropRepeatedly, next, received, sleep, unblockAll, waitFor } from './helpers.js';

/** Sends per run: the floor in every engine. */
const SENDS = 5000;
/** Sends per tick and the tick: 5,000 over ~4 s of drops. */
const PER_TICK = 25;
const TICK_MS = 20;

/** Sends `count` messages named `tag-<n>` at a steady rate; resolves with how each callback was called. */
async function sendSteadily(client: Client, tag: string, count: number, midway: () => Promise<void>): Promise<(PushlineError | null)[][]> {
  const calls: (PushlineError | null)[][] = Array.from({ length: count }, () => []);
  for (let sent = 0; sent < count; ) {
    for (let i = 0; i < PER_TICK && sent < count; i++, sent++) {
      const n = sent;
      expect(client.send(`${tag}-${n}`, (error) => calls[n].push(error)), 'send ' + n).to.equal(true);
    }
    if (sent === count / 2) await midway();
    await sleep(TICK_MS);
  }
  return calls;
}

describe('sends: exactly once, in order, through drops and a transport switch', function () {
  this.timeout(120000);
  let client: Client | null = null;
  beforeEach(unblockAll);
  afterEach(async () => {
    client?.close();
    await unblockAll();
  });

  for (const t of ALL) {
    it(`${t}: ${SENDS} sends while connections drop every ~200 ms and ${t} is blocked midway`, async () => {
      // The transport blocked midway falls back to the next one; long polling, last in the order, to WebSocket.
      const order: TransportName[] = withFallback(t);
      client = connect(ORIGIN, { transports: order, sendQueueSize: SENDS, connectTimeout: 3000, reconnect: { initialDelay: 50, maxDelay: 500 } });
      const opens = countOpens(client);
      const used: string[] = [];
      client.on('open', (e) => used.push(e.transport));
      await next(client, 'open');
      const tag = `chaos-${t}-${Math.random().toString(36).slice(2)}`;
      const cuts = dropRepeatedly(drop);
      const calls = await sendSteadily(client, tag, SENDS, async () => {
        await block(t, 'refuse');
        await drop();
      });
      await waitFor(() => calls.every((c) => c.length > 0), 'every callback', 60000);
      await cuts.stop();
      await sleep(300); // a late duplicate would land by now
      const got = (await received(tag + '-')).map((r) => r.data);
      const sentData = Array.from({ length: SENDS }, (_, n) => `${tag}-${n}`);
      const result = audit(sentData, got);
      const callbacks = { once: calls.filter((c) => c.length === 1 && c[0] === null).length, other: calls.filter((c) => c.length !== 1 || c[0] !== null).length };
      console.log(`SENDS ${ENGINE} ${t}: sends=${SENDS} drops=${cuts.drops} reconnects=${opens.opens - 1} transports=${[...new Set(used)].join('>')} lost=${result.lost} duplicated=${result.duplicated} inOrder=${result.inOrder} callbacksOnce=${callbacks.once}`);
      expect(result).to.deep.equal({ lost: 0, duplicated: 0, inOrder: true });
      expect(callbacks).to.deep.equal({ once: SENDS, other: 0 });
      expect(used).to.include(order[1], 'the transport switch happened');
      expect(cuts.drops).to.be.at.least(5);
    });
  }
});
