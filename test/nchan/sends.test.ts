/**
 * What send() guarantees against nchan, which does not acknowledge messages the way the Pushline
 * protocol does (PROTOCOL.md, "Client to server"; docs/nchan.md, "send()"): over HTTP a message
 * is done when nchan's publisher answers its POST, so a POST cut after nchan published it but
 * before the answer arrived is sent again: at least once, never lost. Over a publishing
 * WebSocket (nchan_pubsub) a message is done once written, so a frame written into a socket that
 * is going away is lost: at most once, never twice. Both with connections cut every ~200 ms.
 */
import { expect } from 'chai';
import { createClient } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import { connectNchan, nchan } from '../../src/profiles/nchan.js';
import type { TransportName } from '../../src/types.js';
import { channel, channelMessages, drop, dropRepeatedly, ENGINE, NCHAN, next, sleep, subUrl, waitFor } from './helpers.js';

const FAST = { initialDelay: 20, maxDelay: 100, jitter: 0.5, budget: 1000 };
const SENDS = 300;
const HTTP_TRANSPORTS: TransportName[] = ['sse', 'streaming', 'longpoll'];

/** Sends SENDS messages, one every few ms while connections drop; resolves once every callback ran. */
async function sendThroughDrops(client: Client): Promise<{ sent: string[]; callbacks: Map<string, unknown[]>; drops: number }> {
  const sent: string[] = [];
  const callbacks = new Map<string, unknown[]>();
  const drops = dropRepeatedly(() => drop());
  for (let i = 0; i < SENDS; i++) {
    const data = `send ${i}`;
    sent.push(data);
    callbacks.set(data, []);
    client.send(data, (error) => callbacks.get(data)!.push(error));
    await sleep(5);
  }
  await waitFor(() => [...callbacks.values()].every((calls) => calls.length > 0), 'every done callback', 60000);
  await drops.stop();
  await sleep(200); // a callback called twice would show now
  return { sent, callbacks, drops: drops.drops };
}

/** How often each sent message is in the channel, and whether their first copies are in send order. */
function tally(sent: string[], stored: string[]): { counts: number[]; inOrder: boolean } {
  const counts = sent.map((data) => stored.filter((each) => each === data).length);
  const firsts = sent.filter((data) => stored.indexOf(data) >= 0).map((data) => stored.indexOf(data));
  return { counts, inOrder: firsts.every((position, i) => i === 0 || position > firsts[i - 1]) };
}

describe('nchan: send() across connection drops', function () {
  this.timeout(180000);
  let client: Client | null = null;
  afterEach(() => client?.close());

  for (const t of HTTP_TRANSPORTS) {
    it(`${t}: every message published at least once, in order; every done callback called once with null`, async () => {
      const ch = channel(`sends-${t}`);
      const url = subUrl('m', ch);
      // The publisher through the same proxy, so that POSTs are cut too.
      client = createClient(url, nchan(url, { transports: [t], publishUrl: `${NCHAN.m.url}/pub/${ch}`, reconnect: FAST }));
      await next(client, 'open');
      const { sent, callbacks, drops } = await sendThroughDrops(client);
      expect([...callbacks.values()].every((calls) => calls.length === 1 && calls[0] === null)).to.equal(true);
      const stored = (await channelMessages('m', ch)).map((m) => m.data);
      const { counts, inOrder } = tally(sent, stored);
      const duplicated = counts.filter((n) => n > 1).length;
      console.log(`NCHAN-SENDS ${ENGINE} ${t}: sent=${SENDS} drops=${drops} published=${stored.length} lost=${counts.filter((n) => n === 0).length} duplicated=${duplicated}`);
      expect(counts.every((n) => n >= 1), 'nothing lost').to.equal(true);
      expect(inOrder, 'first copies in send order').to.equal(true);
    });
  }

  it('websocket on an nchan_pubsub location: never twice, in order; every done callback called once with null', async () => {
    const ch = channel('sends-pubsub');
    client = connectNchan(subUrl('m', ch, 'pubsub'), { transports: ['websocket'], websocketPublish: true, reconnect: FAST });
    await next(client, 'open');
    const { sent, callbacks, drops } = await sendThroughDrops(client);
    expect([...callbacks.values()].every((calls) => calls.length === 1 && calls[0] === null)).to.equal(true);
    const stored = (await channelMessages('m', ch)).map((m) => m.data);
    const { counts, inOrder } = tally(sent, stored);
    console.log(`NCHAN-SENDS ${ENGINE} websocket (pubsub): sent=${SENDS} drops=${drops} published=${stored.length} lost=${counts.filter((n) => n === 0).length} duplicated=${counts.filter((n) => n > 1).length}`);
    expect(counts.every((n) => n <= 1), 'nothing twice').to.equal(true);
    expect(stored.length).to.be.greaterThan(0);
    expect(inOrder, 'in send order').to.equal(true);
  });
});
