/**
 * The transport race with fake transports and a fake clock: staggered attempts (a head start,
 * shortened when the server answered without the open frame), never more than two at once, the
 * preference order kept, losers reported, the move up to a slow but working transport, and the
 * backoff rule for links that flap.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeClient, fakeTimeInEachTest, fakeTransport, payloads, query, record, tick, type FakeTransport } from './fake.js';

/** Connections not closed yet, over all the given transports. */
function live(transports: FakeTransport[]): number {
  return transports.reduce((n, t) => n + t.connections.filter((c) => !c.closed).length, 0);
}

function four() {
  return [fakeTransport('websocket', { duplex: true }), fakeTransport('sse'), fakeTransport('streaming'), fakeTransport('longpoll')] as const;
}

describe('the transport race', () => {
  fakeTimeInEachTest();

  it('an open network: the first transport opens within its head start, nothing else starts', () => {
    const all = four();
    const client = fakeClient([...all]);
    const events = record(client);
    tick(0);
    tick(100);
    all[0].last.open();
    tick(20000);
    assert.deepEqual(all.map((t) => t.connections.length), [1, 0, 0, 0]);
    assert.equal(payloads(events, 'fallback').length, 0);
  });

  it('a transport that hangs: the next starts after the head start, wins, and the loser is reported when it gives up', () => {
    const [ws, sse, streaming, longpoll] = four();
    const client = fakeClient([ws, sse, streaming, longpoll], { connectTimeout: 10000 });
    const events = record(client);
    tick(0);
    tick(249);
    assert.equal(sse.connections.length, 0);
    tick(1);
    assert.equal(sse.connections.length, 1, 'sse starts beside the silent websocket');
    sse.last.open();
    assert.equal(client.transport, 'sse');
    assert.equal(streaming.connections.length, 0);
    assert.ok(!ws.last.closed, 'the slow websocket may still open');
    tick(10000);
    assert.ok(ws.last.closed);
    const [fallback] = payloads(events, 'fallback');
    assert.deepEqual([fallback.transport, fallback.reason, fallback.next], ['websocket', 'timeout', 'sse']);
  });

  it('buffered is seen early: an answer without the open frame races on after twice the answer time (at least 100 ms)', () => {
    const [ws, sse] = four();
    const client = fakeClient([ws, sse]);
    tick(0);
    tick(10);
    ws.last.responded(); // the upgrade completed; no frame follows
    tick(99);
    assert.equal(sse.connections.length, 0);
    tick(1);
    assert.equal(sse.connections.length, 1);
    assert.equal(client.state, 'connecting');
  });

  it('two at most: when the newer of two has its head start run out, it is replaced by the next, the most preferred kept', () => {
    const all = four();
    const [ws, sse, streaming, longpoll] = all;
    const client = fakeClient([...all]);
    const events = record(client);
    tick(0);
    tick(250);
    assert.equal(live([...all]), 2);
    tick(250);
    assert.equal(live([...all]), 2);
    assert.ok(sse.last.closed && !ws.last.closed && streaming.connections.length === 1);
    tick(250);
    assert.equal(live([...all]), 2);
    assert.equal(longpoll.connections.length, 1);
    longpoll.last.open();
    assert.equal(client.transport, 'longpoll');
    assert.deepEqual(payloads(events, 'fallback').map((f) => [f.transport, f.reason, f.next]), [
      ['sse', 'timeout', 'streaming'],
      ['streaming', 'timeout', 'longpoll'],
    ]);
  });

  it('a refusal moves on at once, and the one racing takes the first place', () => {
    const [ws, sse, streaming] = four();
    const client = fakeClient([ws, sse, streaming]);
    const events = record(client);
    tick(0);
    tick(250);
    ws.last.end('refused');
    assert.equal(streaming.connections.length, 1, 'the next starts at once beside sse');
    sse.last.open();
    assert.equal(client.transport, 'sse');
    assert.ok(streaming.last.closed, 'the less preferred runner goes once a more preferred one opens');
    assert.deepEqual(payloads(events, 'fallback').map((f) => [f.transport, f.reason, f.next]), [['websocket', 'refused', 'streaming']]);
  });

  it('the head start follows the measured round trip: four round trips, at least 150 ms', () => {
    const [ws, sse] = four();
    const client = fakeClient([ws, sse], { reconnect: { initialDelay: 10, jitter: 0 } });
    tick(0);
    tick(80);
    ws.last.open(); // answered (and opened) in 80 ms
    ws.last.end('closed');
    tick(10);
    tick(319);
    assert.equal(sse.connections.length, 0);
    tick(1);
    assert.equal(sse.connections.length, 1, 'after 4 x 80 ms');
    client.close();
  });

  it('the move up: a more preferred transport that opens later takes over when it resumes where the client is', () => {
    const [ws, sse] = four();
    const client = fakeClient([ws, sse], { lastEventId: '10' });
    const events = record(client);
    tick(0);
    tick(250);
    sse.last.open({ resumed: true, last: '12' }).message('11').message('12');
    ws.last.open({ resumed: true, last: '12' }).message('11').message('12').message('13');
    assert.equal(client.transport, 'websocket');
    assert.ok(sse.last.closed);
    assert.deepEqual(payloads(events, 'message').map((m) => m.id), ['11', '12', '13']);
    assert.deepEqual(payloads(events, 'open').map((o) => o.transport), ['sse', 'websocket']);
  });

  it('the move up without a cursor to resume from: the late one goes, and a probe resuming from the cursor takes over', () => {
    const [ws, sse] = four();
    const client = fakeClient([ws, sse]);
    const events = record(client);
    tick(0);
    tick(250);
    sse.last.open({ last: '5' }).message('6');
    ws.last.open({ last: '6' }).message('7'); // started before the client had a cursor: from null
    // Its live stream starts at 6, where the client is: it takes over at once.
    assert.equal(client.transport, 'websocket');
    assert.deepEqual(payloads(events, 'message').map((m) => m.id), ['6', '7']);

    const [ws2, sse2] = four();
    const other = fakeClient([ws2, sse2]);
    const otherEvents = record(other);
    tick(0);
    tick(250);
    sse2.last.open({ last: '5' }).message('6').message('7');
    ws2.last.open({ last: '6' }); // starts at 6, but the client is at 7: not exact
    assert.equal(other.transport, 'sse');
    assert.equal(ws2.connections.length, 2, 'a probe on websocket');
    assert.equal(query(ws2.last.url).lastEventId, '7');
    ws2.last.open({ resumed: true, last: '8' }).message('8');
    assert.equal(other.transport, 'websocket');
    assert.deepEqual(payloads(otherEvents, 'message').map((m) => m.id), ['6', '7', '8']);
  });

  it("Retry-After on any attempt ends the round: nothing more starts before the server's delay", () => {
    const all = four();
    const [ws, sse] = all;
    const client = fakeClient([...all], { reconnect: { initialDelay: 10, jitter: 0 } });
    const events = record(client);
    tick(0);
    tick(250);
    sse.last.end('refused', { status: 503, retryAfter: 2000 });
    assert.ok(ws.last.closed);
    assert.equal(payloads(events, 'reconnecting')[0].delay, 2000);
    tick(1999);
    assert.equal(all.reduce((n, t) => n + t.connections.length, 0), 2);
    tick(1);
    assert.equal(ws.connections.length, 2);
  });

  it('each attempt counts once against the retry budget, race runners included', () => {
    const all = four();
    const client = fakeClient([...all], { connectTimeout: 1000, reconnect: { initialDelay: 10, jitter: 0, budget: 5 } });
    const started = () => all.reduce((n, t) => n + t.connections.length, 0);
    tick(0);
    tick(1700);
    assert.equal(started(), 4, 'four attempts, all timing out');
    tick(300);
    assert.equal(started(), 5, 'the round over, the next one starts: the fifth fits the budget');
    tick(50000);
    assert.equal(started(), 5, 'the sixth waits for the window');
    tick(8100);
    assert.equal(started(), 6, 'the first attempt has left the window');
    client.close();
  });

  it('a reconnection after a drop races too', () => {
    const [ws, sse] = four();
    const client = fakeClient([ws, sse], { reconnect: { initialDelay: 10, jitter: 0 } });
    tick(0);
    ws.last.open().message('1');
    ws.last.end('closed');
    tick(10);
    assert.equal(ws.connections.length, 2);
    tick(250);
    assert.equal(sse.connections.length, 1, 'the websocket that does not come back is raced');
    sse.last.open({ resumed: true });
    assert.equal(client.transport, 'sse');
  });
});

describe('links that flap', () => {
  fakeTimeInEachTest();

  it('a connection that delivered is a success: the next reconnection waits the first delay again', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { reconnect: { initialDelay: 100, factor: 2, jitter: 0 } });
    const events = record(client);
    tick(0);
    for (let i = 0; i < 5; i++) {
      ws.last.open({ resumed: i > 0 }).message(String(i));
      tick(300);
      ws.last.end('closed'); // cut after 300 ms
      tick(100);
    }
    assert.deepEqual(payloads(events, 'reconnecting').map((r) => r.delay), [100, 100, 100, 100, 100]);
    assert.equal(payloads(events, 'fallback').length, 0, 'a flapping link is not a broken transport');
  });

  it('a server that accepts and drops at once, delivering nothing: the backoff grows, and the transport is left after three', () => {
    const ws = fakeTransport('websocket');
    const sse = fakeTransport('sse');
    const client = fakeClient([ws, sse], { reconnect: { initialDelay: 100, factor: 2, jitter: 0 } });
    const events = record(client);
    tick(0);
    for (let i = 0; i < 3; i++) {
      ws.last.open({ resumed: true });
      ws.last.end('closed');
      tick(1000);
    }
    assert.deepEqual(payloads(events, 'reconnecting').map((r) => r.delay), [100, 200, 400]);
    assert.deepEqual(payloads(events, 'fallback').map((f) => [f.transport, f.next]), [['websocket', 'sse']]);
  });
});
