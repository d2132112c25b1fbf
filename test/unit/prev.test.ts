/**
 * Messages that name their predecessor (`prev`): a hole made between the server and the client
 * is noticed, the client resumes from its cursor at once, and says `gap` only when the server
 * cannot fill the hole.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeTimeInEachTest, fakeClient, fakeTransport, payloads, query, record, tick } from './fake.js';

describe('prev: holes made on the way', () => {
  fakeTimeInEachTest();

  it('a message whose prev is the last delivered id is delivered; the first after open follows the open frame\'s last', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws]);
    const events = record(client);
    tick(0);
    ws.last.open({ last: '4' }).messageAfter('4', '5').messageAfter('5', '6');
    assert.deepEqual(payloads(events, 'message').map((m) => m.id), ['5', '6']);
    assert.equal(payloads(events, 'reconnecting').length, 0);
  });

  it('a hole: the message is not delivered, the client resumes from its cursor at once, and the server fills it', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { reconnect: { initialDelay: 5000, jitter: 0 } });
    const events = record(client);
    tick(0);
    ws.last.open({ last: '0' }).messageAfter('0', '1').messageAfter('3', '4');
    assert.ok(ws.last.closed);
    const [reconnecting] = payloads(events, 'reconnecting');
    assert.deepEqual([reconnecting.error.code, reconnecting.delay], ['missed', 0]);
    tick(0);
    assert.equal(ws.connections.length, 2);
    assert.equal(query(ws.last.url).lastEventId, '1');
    ws.last.open({ resumed: true, last: '4' }).messageAfter('1', '2').messageAfter('2', '3').messageAfter('3', '4');
    assert.deepEqual(payloads(events, 'message').map((m) => m.id), ['1', '2', '3', '4']);
    assert.equal(payloads(events, 'gap').length, 0);
    assert.equal(payloads(events, 'fallback').length, 0, 'a hole is not the transport\'s fault');
  });

  it('a hole the server cannot fill any more: gap, then the live stream', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws]);
    const events = record(client);
    tick(0);
    ws.last.open({ last: '0' }).messageAfter('0', '1').messageAfter('50', '51');
    tick(0);
    ws.last.open({ resumed: false, gap: true, last: '90' }).messageAfter('90', '91');
    assert.deepEqual(payloads(events, 'gap'), [{ lastEventId: '1', transport: 'websocket' }]);
    assert.deepEqual(payloads(events, 'message').map((m) => m.id), ['1', '91']);
  });

  it('without prev nothing is checked (servers that do not send it); duplicates are dropped before the check', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws]);
    const events = record(client);
    tick(0);
    ws.last.open({ last: '0' }).message('1').message('7').messageAfter('0', '1').messageAfter('7', '8');
    assert.deepEqual(payloads(events, 'message').map((m) => m.id), ['1', '7', '8']);
    assert.equal(payloads(events, 'reconnecting').length, 0);
  });

  it('a message too large to deliver still moves the cursor: the next one follows it', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { maxMessageSize: 10 });
    const events = record(client);
    tick(0);
    ws.last.open({ last: '0' }).messageAfter('0', '1').messageAfter('1', '2', 'x'.repeat(20)).messageAfter('2', '3');
    assert.deepEqual(payloads(events, 'message').map((m) => m.id), ['1', '3']);
    assert.deepEqual(payloads(events, 'error').map((e) => e.code), ['too-large']);
    assert.equal(payloads(events, 'reconnecting').length, 0);
  });
});
