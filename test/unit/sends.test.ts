/**
 * Client-to-server messages with fake transports and a fake clock: numbered, kept until the
 * server acknowledges them, sent again after a reconnection on whatever transport the client
 * then has, and each `done` callback called once. The batch format and the POST answers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAcks, takeBatch } from '../../src/io/http-send.js';
import { Outbox, newClientIdentity } from '../../src/outbox.js';
import type { PushlineError } from '../../src/types.js';
import { fakeClient, fakeTimeInEachTest, fakeTransport, payloads, query, record, tick } from './fake.js';

/** A send callback that records what it was called with. */
function callback(): { calls: (PushlineError | null)[]; done: (error: PushlineError | null) => void } {
  const calls: (PushlineError | null)[] = [];
  return { calls, done: (error) => calls.push(error) };
}

describe('sends: acknowledged, exactly once', () => {
  fakeTimeInEachTest();

  it('numbered frames over a WebSocket, kept until the server acknowledges them', () => {
    const ws = fakeTransport('websocket', { duplex: true });
    const client = fakeClient([ws]);
    tick(0);
    const first = callback();
    const second = callback();
    client.send('a', first.done); // before open: waits
    ws.last.open({ ack: 0 });
    client.send('b', second.done);
    assert.deepEqual(ws.last.sent.map((frame) => JSON.parse(frame)), [{ seq: 1, data: 'a' }, { seq: 2, data: 'b' }]);
    const identity = query(ws.last.url).client;
    assert.ok(identity.length >= 12, 'an identity of time and random digits');
    assert.deepEqual([first.calls, second.calls], [[], []], 'not done before the acknowledgement');
    ws.last.ack(identity, 1);
    assert.deepEqual([first.calls, second.calls], [[null], []]);
    ws.last.ack(identity, 2);
    ws.last.ack(identity, 2);
    assert.deepEqual([first.calls, second.calls], [[null], [null]], 'each callback once');
  });

  it('after a reconnection, what the server has not acknowledged goes again, with the same numbers; what its open frame acknowledges does not', () => {
    const ws = fakeTransport('websocket', { duplex: true });
    const client = fakeClient([ws], { reconnect: { initialDelay: 10, jitter: 0 } });
    tick(0);
    ws.last.open({ ack: 0 });
    for (const data of ['a', 'b', 'c']) client.send(data);
    const identity = query(ws.last.url).client;
    ws.last.end('closed'); // the server got a and b, acknowledged none
    tick(10);
    assert.equal(query(ws.last.url).client, identity, 'the identity survives the reconnection');
    ws.last.open({ ack: 2, resumed: true });
    assert.deepEqual(ws.last.sent.map((frame) => JSON.parse(frame)), [{ seq: 3, data: 'c' }]);
  });

  it('a transport switch: the unacknowledged messages are handed to the next transport, which POSTs them', () => {
    const ws = fakeTransport('websocket', { duplex: true });
    const sse = fakeTransport('sse');
    const client = fakeClient([ws, sse], { reconnect: { initialDelay: 10, factor: 1, jitter: 0 } });
    const sent = callback();
    tick(0);
    ws.last.open({ ack: 0 });
    client.send('a', sent.done);
    const identity = query(ws.last.url).client;
    for (let i = 0; i < 3; i++) {
      ws.last.end('closed'); // three unstable connections: down the order
      tick(10);
      if (i < 2) ws.last.open({ ack: 0 });
    }
    assert.equal(sse.connections.length, 1);
    sse.last.open({ ack: 0 });
    const sending = sse.last.sending!;
    assert.deepEqual(sending.outbox.messages.map((m) => [m.client, m.seq, m.data]), [[identity, 1, 'a']]);
    assert.equal(sending.acknowledging, true);
    sse.last.ack(identity, 1);
    assert.deepEqual(sent.calls, [null]);
  });

  it('to a server that does not acknowledge, each message goes verbatim and is done once written', () => {
    const ws = fakeTransport('websocket', { duplex: true });
    const client = fakeClient([ws]);
    const sent = callback();
    tick(0);
    ws.last.open(); // no `ack`: the protocol before acknowledgements
    client.send('plain', sent.done);
    assert.deepEqual(ws.last.sent, ['plain']);
    assert.deepEqual(sent.calls, [null]);
  });

  it('a send the server refuses fails with its error; the others are kept', () => {
    const sse = fakeTransport('sse');
    const client = fakeClient([sse]);
    const events = record(client);
    const refused = callback();
    const kept = callback();
    tick(0);
    sse.last.open({ ack: 0 });
    client.send('too big', refused.done);
    client.send('fine', kept.done);
    const [tooBig, fine] = sse.last.sending!.outbox.messages;
    sse.last.sendFailed(413, [tooBig]);
    assert.deepEqual(refused.calls.map((e) => e && e.status), [413]);
    assert.deepEqual(kept.calls, []);
    assert.deepEqual(sse.last.sending!.outbox.messages, [fine]);
    assert.deepEqual(payloads(events, 'error').map((e) => e.status), [413]);
  });

  it('close(): every message the server has not acknowledged fails, once', () => {
    const ws = fakeTransport('websocket', { duplex: true });
    const client = fakeClient([ws]);
    const pending = callback();
    tick(0);
    ws.last.open({ ack: 0 });
    client.send('unanswered', pending.done);
    client.close();
    client.close();
    assert.deepEqual(pending.calls.map((e) => e && [e.code, e.message]), [['send-failed', 'Pushline: closed before the server acknowledged it']]);
  });

  it('a full queue refuses at once: send() returns false, an error event, and the callback on a fresh task', () => {
    const ws = fakeTransport('websocket', { duplex: true });
    const client = fakeClient([ws], { sendQueueSize: 2 });
    const events = record(client);
    const third = callback();
    assert.deepEqual([client.send('a'), client.send('b'), client.send('c', third.done)], [true, true, false]);
    assert.deepEqual(payloads(events, 'error').map((e) => e.code), ['queue-full']);
    assert.deepEqual(third.calls, [], 'never inside send()');
    tick(0);
    assert.deepEqual(third.calls.map((e) => (e as PushlineError | null)?.code), ['queue-full']);
    const afterClose = callback();
    client.close();
    assert.equal(client.send('late', afterClose.done), false);
    tick(0);
    assert.deepEqual(afterClose.calls.map((e) => (e as PushlineError | null)?.code), ['send-failed']);
  });

  it('endpoints.send false: on a connection that cannot carry it, a send is refused at once', () => {
    const sse = fakeTransport('sse');
    const client = fakeClient([sse], { endpoints: { send: false } });
    const events = record(client);
    tick(0);
    assert.equal(client.send('queued before open'), true);
    sse.last.open({ ack: 0 });
    assert.equal(client.send('refused'), false);
    assert.deepEqual(payloads(events, 'error').map((e) => e.message), ['Pushline sse: no send endpoint']);
  });
});

/** Another tab's message, as a sharing leader keeps it (features/host.ts, relaySend). */
function relayed(outbox: Outbox, client: string, seq: number, data: string): void {
  outbox.messages.push({ client, seq, data, done: null, writtenOn: 0 });
}

describe('the outbox and the batch format (pure)', () => {
  it('identities are base-36 time and random digits, different each time', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newClientIdentity()));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^[0-9a-z]{12,30}$/);
  });

  it('acknowledges cumulatively per identity', () => {
    const outbox = new Outbox('me', 10);
    outbox.add('a', null);
    outbox.add('b', null);
    relayed(outbox, 'tab2', 7, 'x');
    assert.deepEqual(outbox.messages.map((m) => [m.client, m.seq]), [['me', 1], ['me', 2], ['tab2', 7]]);
    assert.deepEqual(outbox.acknowledge('me', 1).map((m) => m.seq), [1]);
    assert.deepEqual(outbox.acknowledge('tab2', 9).map((m) => m.seq), [7]);
    assert.deepEqual(outbox.messages.map((m) => m.data), ['b']);
  });

  it('a batch body is an array of the WebSocket frames; a batch stops at its size, never empty', () => {
    const outbox = new Outbox('me', 10);
    outbox.add('a', null);
    outbox.add('b', null);
    relayed(outbox, 'tab2', 4, 'x');
    outbox.add('c', null);
    assert.equal(
      takeBatch(outbox.messages, 'me', 1000).body,
      '[{"seq":1,"data":"a"},{"seq":2,"data":"b"},{"client":"tab2","seq":4,"data":"x"},{"seq":3,"data":"c"}]',
    );
    assert.equal(takeBatch(outbox.messages, 'me', 1).messages.length, 1);
    assert.equal(takeBatch(outbox.messages, 'me', 60).messages.length, 2);
    assert.equal(takeBatch(outbox.messages, 'me', 1000).messages.length, 4);
  });

  it('reads the acknowledgements of a POST answer', () => {
    assert.deepEqual(parseAcks('{"acks":{"me":3,"tab2":"x"}}'), { me: 3, tab2: 'x' }, 'the sender reads only numbers');
    assert.equal(parseAcks(''), null);
    assert.equal(parseAcks('{"other":1}'), null);
  });
});
