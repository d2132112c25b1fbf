/**
 * Plain SSE servers, no Pushline protocol (issue 19): the plain-SSE profile (`pushline/sse`) and
 * the polyfill's POST streams, against a server written for the tests and one built on better-sse
 * from npm (test/fixtures/plain-sse-servers.mjs): named events, ids and a drop mid-stream
 * (resumed with Last-Event-ID, nothing lost or repeated), a POST stream with a body.
 */
import { expect } from 'chai';
import { PushlineEventSource } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import { connectSse } from '../../src/profiles/sse.js';
import type { PushlineMessage } from '../../src/types.js';
import { BETTER_SSE, PLAIN_SSE } from './origin.js';
import { ENGINE, next, sleep, waitFor } from './helpers.js';

interface Request {
  path: string;
  method: string;
  lastEventId: string | null;
  authorization: string | null;
}

const controlOf = (origin: string) => ({
  async publish(data: string, event?: string): Promise<string> {
    const res = await fetch(origin + '/control/publish', { method: 'POST', body: JSON.stringify({ data, event }) });
    return ((await res.json()) as { id: string }).id;
  },
  drop: () => fetch(origin + '/control/drop', { method: 'POST' }),
  async requests(): Promise<Request[]> {
    return (await fetch(origin + '/control/requests')).json();
  },
});

for (const [name, origin] of [['a server written for the tests', PLAIN_SSE], ['better-sse (npm)', BETTER_SSE]] as const) {
  describe(`plain SSE: ${name}`, function () {
    this.timeout(30000);
    const server = controlOf(origin);
    let client: Client | null = null;
    afterEach(() => client?.close());

    it('named events and ids reach the application; a drop mid-stream resumes with Last-Event-ID, nothing lost or repeated', async () => {
      await server.requests();
      client = connectSse(origin + '/events', { token: 'plain-token', reconnect: { initialDelay: 50 } });
      const got: PushlineMessage[] = [];
      client.on('message', (m) => got.push(m));
      await next(client, 'open');
      const published: string[] = [];
      for (let i = 0; i < 60; i++) {
        published.push(await server.publish('m' + i, i % 3 === 0 ? 'chat' : undefined));
        if (i === 20 || i === 40) await server.drop();
        await sleep(10);
      }
      await waitFor(() => got.length >= 60, '60 messages', 15000);
      await sleep(300);
      expect(got.map((m) => m.id)).to.deep.equal(published);
      expect(got.map((m) => m.data)).to.deep.equal(published.map((_, i) => 'm' + i));
      expect(got.filter((m) => m.event === 'chat').length).to.equal(20);
      const requests = await server.requests();
      expect(requests.length, 'reconnected after the drops').to.be.at.least(2);
      expect(requests[0].lastEventId).to.equal(null);
      expect(requests.slice(1).every((r) => r.lastEventId !== null), 'every reconnection resumes').to.equal(true);
      expect(requests.every((r) => r.authorization === 'Bearer plain-token')).to.equal(true);
      console.log(`PLAIN-SSE ${ENGINE} ${name}: 60 messages, 2 drops, ${requests.length - 1} reconnections with Last-Event-ID`);
    });
  });
}

describe('plain SSE: what the WHATWG text says besides events (the hand-written server)', function () {
  this.timeout(20000);
  const server = controlOf(PLAIN_SSE);
  let client: Client | null = null;
  afterEach(() => client?.close());

  it('retry: sets the reconnection delay; comments count as life', async () => {
    client = connectSse(PLAIN_SSE + '/events', { heartbeatTimeout: 1500, reconnect: { initialDelay: 10, jitter: 0 } });
    await next(client, 'open');
    await sleep(3000); // comments every second: never muted
    expect(client.state).to.equal('open');
    const reconnected = next<{ delay: number }>(client, 'reconnecting');
    await server.drop();
    const reconnecting = await reconnected;
    expect(reconnecting.delay).to.equal(500); // the server's retry: 500
  });

  it('a POST stream with a body: the answer arrives; the stream, without ids, ends the client instead of being sent again', async () => {
    await server.requests();
    client = connectSse(PLAIN_SSE + '/chat', { method: 'POST', body: 'the question', headers: { 'Content-Type': 'text/plain' } });
    const got: PushlineMessage[] = [];
    client.on('message', (m) => got.push(m));
    const closed = await next<{ error: { code: string } | null }>(client, 'close');
    expect(got.map((m) => [m.event, m.data, m.id])).to.deep.equal([['token', 'you', ''], ['token', 'asked', ''], ['token', 'the question', '']]);
    expect(closed.error?.code).to.equal('closed-by-server');
    await sleep(200);
    expect((await server.requests()).filter((r) => r.path === '/chat').length).to.equal(1);
  });

  it('a POST stream whose events have ids is resumed after it ends; repost sends one without ids again', async () => {
    await server.requests();
    client = connectSse(PLAIN_SSE + '/chat?ids=1&resume=1', { method: 'POST', body: 'q', reconnect: { initialDelay: 50 } });
    const got: PushlineMessage[] = [];
    client.on('message', (m) => got.push(m));
    await waitFor(() => got.length === 3, 'the answer');
    await sleep(300);
    const again = (await server.requests()).filter((r) => r.path === '/chat');
    expect(again.length).to.be.at.least(2);
    expect(again[1].lastEventId).to.equal('3');
    expect(got.map((m) => m.id)).to.deep.equal(['1', '2', '3'], 'nothing repeated after the resume');
    client.close();
    client = connectSse(PLAIN_SSE + '/chat', { method: 'POST', body: 'q', repost: true, reconnect: { initialDelay: 50 } });
    await sleep(600);
    expect((await server.requests()).filter((r) => r.path === '/chat').length).to.be.at.least(2);
  });
});

describe('the polyfill: POST streams (an extension, off by default)', function () {
  this.timeout(20000);
  const server = controlOf(PLAIN_SSE);

  it('method and body open the stream with a POST; without ids, it fails instead of posting again', async () => {
    await server.requests();
    const source = new PushlineEventSource(PLAIN_SSE + '/chat', { method: 'POST', body: 'polyfill question' });
    const data: string[] = [];
    source.addEventListener('token', (e) => data.push((e as MessageEvent).data));
    await waitFor(() => source.readyState === PushlineEventSource.CLOSED, 'the stream to fail once ended', 10000);
    expect(data).to.deep.equal(['you', 'asked', 'polyfill question']);
    await sleep(200);
    expect((await server.requests()).map((r) => [r.path, r.method])).to.deep.equal([['/chat', 'POST']]);
  });
});
