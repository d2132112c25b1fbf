/**
 * The upgrade back to WebSocket with fake transports: when it probes, and the handover that
 * loses, repeats and reorders nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { upgrading } from '../../src/features/upgrade.js';
import { fakeTimeInEachTest, fakeClient, fakeTransport, payloads, query, record, tick } from './fake.js';

describe('upgrade back to WebSocket', () => {
  fakeTimeInEachTest();

  /** A client that fell back from a refused WebSocket to sse, which delivered 1 and 2. */
  function fellBack(upgrade?: boolean | number) {
    const ws = fakeTransport('websocket');
    const sse = fakeTransport('sse');
    // The fake server sends nothing between messages: no liveness check.
    const client = fakeClient([ws, sse], { features: [upgrading], upgrade, heartbeatTimeout: 0 });
    const events = record(client);
    tick(0);
    ws.last.end('refused');
    sse.last.open({ last: '0' }).message('1').message('2');
    return { ws, sse, events, client };
  }

  it('is off by default: no probe, however long the client stays on the fallback', () => {
    const { ws } = fellBack();
    tick(3_600_000);
    assert.equal(ws.connections.length, 1);
  });

  it('probes after the given delay and hands over: nothing lost, repeated or reordered', () => {
    const { ws, sse, events, client } = fellBack(1000);
    tick(999);
    assert.equal(ws.connections.length, 1);
    tick(1);
    assert.equal(ws.connections.length, 2, 'the probe');
    const probe = ws.last;
    assert.equal(query(probe.url).lastEventId, '2');
    // The old connection still delivers while the probe connects.
    sse.last.message('3').message('4');
    probe.open({ resumed: true }).message('3').message('4').message('5');
    assert.ok(sse.last.closed, 'the old connection is closed at the handover');
    assert.equal(client.transport, 'websocket');
    assert.deepEqual(payloads(events, 'message').map((m) => m.id), ['1', '2', '3', '4', '5']);
    assert.deepEqual(payloads(events, 'open').map((o) => o.transport), ['sse', 'websocket']);
  });

  it('a probe that fails leaves the connection alone and waits twice as long for the next', () => {
    const { ws, sse, events, client } = fellBack(1000);
    tick(1000);
    ws.last.end('refused');
    assert.equal(client.transport, 'sse');
    assert.ok(!sse.last.closed);
    tick(1999);
    assert.equal(ws.connections.length, 2);
    tick(1);
    assert.equal(ws.connections.length, 3);
    // A probe that cannot resume (the server lost the cursor) is not handed over either.
    ws.last.open({ resumed: false, gap: true, last: '9' });
    assert.equal(client.transport, 'sse');
    assert.ok(ws.last.closed);
    assert.equal(payloads(events, 'gap').length, 0);
  });
});
