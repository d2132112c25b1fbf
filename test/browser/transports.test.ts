/** Each transport alone, against the real reference server. */
import { expect } from 'chai';
import { connect } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { OpenEvent, PushlineError } from '../../src/types.js';
import { ALL, ORIGIN, collect, next, publishMany, received, receivedWhere, unblockAll, waitFor, sleep } from './helpers.js';

describe('each transport alone', () => {
  let client: Client | null = null;
  before(unblockAll);
  afterEach(() => client?.close());

  for (const t of ALL) {
    it(`${t}: delivers 1,000 messages in order with ids and event names, and a send() round trip`, async () => {
      client = connect(ORIGIN, { transports: [t] });
      const got = collect(client);
      const open = await next<OpenEvent>(client, 'open');
      expect(open).to.deep.equal({ transport: t, resumed: false });
      expect(client.transport).to.equal(t);

      const msgs = Array.from({ length: 1000 }, (_, i) => ({
        data: `m${i} ü😀 "quoted" \\ line\nbreak`,
        ...(i % 3 === 0 ? { event: 'tick' } : {}),
      }));
      const ids = await publishMany(msgs);
      await waitFor(() => got.length >= 1000, '1000 messages', 15000);
      await sleep(50); // nothing extra may follow
      expect(got.map((m) => m.id)).to.deep.equal(ids);
      expect(got.map((m) => m.data)).to.deep.equal(msgs.map((m) => m.data));
      expect(got.map((m) => m.event)).to.deep.equal(msgs.map((m) => m.event ?? 'message'));
      expect(client.lastEventId).to.equal(ids[999]);

      const token = `hello over ${t} ${Math.random()}`;
      expect(client.send(token)).to.equal(true);
      const [hit] = await receivedWhere((r) => r.data === token, 1);
      expect(hit.transport).to.equal(t);
    });

    it(`${t}: sends made before open are queued and arrive in order`, async () => {
      client = connect(ORIGIN, { transports: [t] });
      const tag = Math.random().toString(36).slice(2);
      for (let i = 0; i < 5; i++) client.send(`${tag}-${i}`);
      await next(client, 'open');
      const mine = (await receivedWhere((r) => r.data.startsWith(tag), 5)).map((r) => r.data);
      expect(mine).to.deep.equal([0, 1, 2, 3, 4].map((i) => `${tag}-${i}`));
    });
  }

  it('streaming with a custom delimiter: messages that contain the delimiter text round-trip', async () => {
    const delimiter = 'ThisCometMessageEnded';
    client = connect(ORIGIN, { transports: ['streaming'], delimiter });
    const got = collect(client);
    await next(client, 'open');
    const msgs = [
      { data: 'plain' },
      { data: `contains ${delimiter} inside` },
      { data: delimiter + delimiter },
      { data: 'ThisComet' },
      { data: 'MessageEnded' },
      { data: 'multi\nline ü 😀' },
    ];
    const ids = await publishMany(msgs);
    await waitFor(() => got.length >= msgs.length, 'the messages');
    expect(got.map((m) => m.id)).to.deep.equal(ids);
    expect(got.map((m) => m.data)).to.deep.equal(msgs.map((m) => m.data));
  });

  it('a full send queue rejects further sends with a queue-full error', async () => {
    client = connect(ORIGIN, { transports: ['longpoll'], sendQueueSize: 2, connectTimeout: 5000 });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.code));
    // Not open yet: the queue holds two, the third is refused.
    expect([client.send('a'), client.send('b'), client.send('c')]).to.deep.equal([true, true, false]);
    expect(errors).to.deep.equal(['queue-full']);
  });

  it('endpoints.send false: a send the open connection cannot carry is refused at once, and nothing is POSTed', async () => {
    const tag = 'no-endpoint-' + Math.random().toString(36).slice(2);
    client = connect(ORIGIN, { transports: ['sse'], endpoints: { send: false } });
    const errors: PushlineError[] = [];
    client.on('error', (e) => errors.push(e));
    // Not open yet: queued, for a connection that can carry it (a WebSocket, after a fallback or
    // an upgrade); SSE cannot, so it waits.
    expect(client.send(tag + '-queued')).to.equal(true);
    await next(client, 'open');
    // Open on SSE: refused at once.
    expect(client.send(tag + '-open')).to.equal(false);
    expect(errors.map((e) => [e.code, e.message, e.transport])).to.deep.equal([['send-failed', 'Pushline sse: no send endpoint', 'sse']]);
    // Another client's send does reach the server: had these been POSTed, they would have arrived before it.
    const probe = connect(ORIGIN, { transports: ['longpoll'] });
    try {
      probe.send(tag + '-probe');
      await receivedWhere((r) => r.data === tag + '-probe', 1);
      expect((await received()).filter((r) => r.data.startsWith(tag)).map((r) => r.data)).to.deep.equal([tag + '-probe']);
    } finally {
      probe.close();
    }
  });

  it('endpoints.send false does not stop a WebSocket from sending', async () => {
    client = connect(ORIGIN, { transports: ['websocket'], endpoints: { send: false } });
    const token = 'ws-without-endpoint-' + Math.random();
    expect(client.send(token)).to.equal(true); // queued, then sent over the socket after open
    await next(client, 'open');
    const [hit] = await receivedWhere((r) => r.data === token, 1);
    expect(hit.transport).to.equal('websocket');
  });

  for (const t of ALL) {
    it(`${t}: a message over maxMessageSize is reported with its id and skipped; the next ones arrive`, async () => {
      client = connect(ORIGIN, { transports: [t], maxMessageSize: 2000, reconnect: { initialDelay: 20, jitter: 0 } });
      const got = collect(client);
      const errors: PushlineError[] = [];
      client.on('error', (e) => errors.push(e));
      await next(client, 'open');
      const ids = await publishMany([{ data: 'before' }, { data: 'y'.repeat(50000) }, { data: 'after' }]);
      await waitFor(() => got.length >= 2, 'the two small messages');
      expect(got.map((m) => m.id)).to.deep.equal([ids[0], ids[2]]);
      expect(errors.map((e) => [e.code, e.id])).to.deep.equal([['too-large', ids[1]]]);
    });
  }

  it('rejects an unknown transport name and an empty list with a TypeError', () => {
    expect(() => connect(ORIGIN, { transports: ['carrier-pigeon' as never] })).to.throw(TypeError, /unknown transport/);
    expect(() => connect(ORIGIN, { transports: [] })).to.throw(TypeError, /empty/);
  });

  it('rejects a URL that does not parse, or whose host has a space, with a SyntaxError DOMException', () => {
    for (const url of ['http://[bad/', 'http://this is invalid/']) {
      expect(() => connect(url, { transports: ['longpoll'] }), url).to.throw(DOMException, /invalid URL/).with.property('name', 'SyntaxError');
    }
  });
});
