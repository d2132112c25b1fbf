/**
 * The client's policy with fake transports and a fake clock: fallback order, backoff, retry
 * budget, resume cursor, duplicate suppression, liveness and the answers that stop the client.
 * What the browsers and the real server add (sockets, HTTP, engines) is in test/browser/.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeTimeInEachTest, BASE, fakeClient, fakeTransport, payloads, query, record, tick } from './fake.js';

describe('client policy', () => {
  fakeTimeInEachTest();

  it('starts on a fresh task with the first transport, at its endpoint, without a cursor', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws]);
    assert.equal(ws.connections.length, 0, 'nothing before the next task');
    tick(0);
    assert.equal(ws.connections.length, 1);
    assert.equal(ws.last.url.split('?')[0], BASE + '/websocket');
    assert.equal(ws.last.request.endpoint, BASE + '/websocket');
    // The query names the client's identity (for the server's acknowledgements), and no cursor.
    assert.deepEqual(Object.keys(query(ws.last.url)), ['client']);
    assert.equal(client.state, 'connecting');
  });

  it('opens, delivers in order, and tells the application', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws]);
    const events = record(client);
    tick(0);
    ws.last.open({ last: '7' }).message('8').message('9', 'nine', 'chat');
    assert.deepEqual(payloads(events, 'open'), [{ transport: 'websocket', resumed: false }]);
    assert.deepEqual(payloads(events, 'message'), [
      { data: 'data 8', id: '8', event: 'message' },
      { data: 'nine', id: '9', event: 'chat' },
    ]);
    assert.equal(client.state, 'open');
    assert.equal(client.transport, 'websocket');
    assert.equal(client.lastEventId, '9');
  });

  it('falls down the order at once when a transport is refused before open, and names the next one', () => {
    const ws = fakeTransport('websocket');
    const sse = fakeTransport('sse');
    const client = fakeClient([ws, sse]);
    const events = record(client);
    tick(0);
    ws.last.end('refused');
    assert.equal(sse.connections.length, 1, 'sse is tried without waiting');
    const [fallback] = payloads(events, 'fallback');
    assert.equal(fallback.transport, 'websocket');
    assert.equal(fallback.reason, 'refused');
    assert.equal(fallback.next, 'sse');
    assert.equal(fallback.attempt, 1);
    sse.last.open();
    assert.equal(client.transport, 'sse');
  });

  it('skips a transport the browser lacks, as `unsupported`', () => {
    const ws = fakeTransport('websocket', { supported: false });
    const sse = fakeTransport('sse');
    const client = fakeClient([ws, sse]);
    const events = record(client);
    tick(0);
    assert.equal(ws.connections.length, 0);
    assert.equal(sse.connections.length, 1);
    assert.equal(payloads(events, 'fallback')[0].reason, 'unsupported');
  });

  it('with no supported transport at all, stops with no-transport', () => {
    const client = fakeClient([fakeTransport('websocket', { supported: false })]);
    const events = record(client);
    tick(0);
    assert.equal(client.state, 'closed');
    assert.equal(payloads(events, 'close')[0].error?.code, 'no-transport');
  });

  it('after a whole round fails, waits the backoff and starts the next round where the last one started', () => {
    const ws = fakeTransport('websocket');
    const sse = fakeTransport('sse');
    const client = fakeClient([ws, sse], { reconnect: { initialDelay: 100, factor: 2, jitter: 0 } });
    const events = record(client);
    tick(0);
    ws.last.end('refused');
    sse.last.end('refused');
    const [reconnecting] = payloads(events, 'reconnecting');
    assert.deepEqual([reconnecting.attempt, reconnecting.delay, reconnecting.transport], [1, 100, 'websocket']);
    assert.equal(payloads(events, 'fallback')[1].next, null, 'the round is over');
    assert.equal(client.state, 'reconnecting');
    tick(99);
    assert.equal(ws.connections.length, 1);
    tick(1);
    assert.equal(ws.connections.length, 2);
    ws.last.end('refused');
    sse.last.end('refused');
    assert.deepEqual(payloads(events, 'reconnecting').map((r) => r.delay), [100, 200]);
  });

  it('backoff grows by `factor` up to `maxDelay`, and `maxAttempts` failed attempts close the client', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { reconnect: { initialDelay: 100, factor: 3, maxDelay: 500, jitter: 0, maxAttempts: 4 } });
    const events = record(client);
    tick(0);
    for (let i = 0; i < 5; i++) {
      ws.last.end('refused');
      tick(1000);
    }
    assert.deepEqual(payloads(events, 'reconnecting').map((r) => r.delay), [100, 300, 500, 500]);
    assert.equal(client.state, 'closed');
    assert.equal(payloads(events, 'close')[0].error?.code, 'exhausted');
  });

  it('jitter takes a random share off each delay', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { reconnect: { initialDelay: 1000, jitter: 0.5 } });
    const events = record(client);
    tick(0);
    ws.last.end('refused');
    const delay = payloads(events, 'reconnecting')[0].delay;
    assert.ok(delay >= 500 && delay <= 1000, 'delay ' + delay);
  });

  it('the retry budget allows `budget` attempts per minute, whatever the backoff says', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { reconnect: { initialDelay: 10, factor: 1, jitter: 0, budget: 3 } });
    tick(0);
    for (let i = 0; i < 3; i++) {
      ws.last.end('refused');
      tick(10);
    }
    assert.equal(ws.connections.length, 3, 'the fourth attempt waits for the window');
    tick(60000 - 30 - 1);
    assert.equal(ws.connections.length, 3);
    tick(1);
    assert.equal(ws.connections.length, 4);
  });

  it('resumes from the last delivered id, in the query and the Last-Event-ID header', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { reconnect: { initialDelay: 10, jitter: 0 } });
    tick(0);
    ws.last.open({ last: '3' }).message('4').message('5');
    ws.last.end('closed');
    tick(10);
    assert.equal(query(ws.last.url).lastEventId, '5');
    assert.equal(ws.last.headers['Last-Event-ID'], '5');
    assert.equal(ws.last.request.cursor(), '5');
  });

  it('before any delivery, resumes from the `last` id the server announced', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { reconnect: { initialDelay: 10, jitter: 0 } });
    tick(0);
    ws.last.open({ last: '41' });
    ws.last.end('closed');
    tick(10);
    assert.equal(query(ws.last.url).lastEventId, '41');
  });

  it('starts from the `lastEventId` option, and a gap moves the cursor to the server\'s `last`', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { lastEventId: '2', reconnect: { initialDelay: 10, jitter: 0 } });
    const events = record(client);
    tick(0);
    assert.equal(query(ws.last.url).lastEventId, '2');
    ws.last.open({ last: '90', gap: true });
    assert.deepEqual(payloads(events, 'gap'), [{ lastEventId: '2', transport: 'websocket' }]);
    ws.last.end('closed');
    tick(10);
    assert.equal(query(ws.last.url).lastEventId, '90');
  });

  it('drops a message delivered already (a replay after resume)', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { reconnect: { initialDelay: 10, jitter: 0 } });
    const events = record(client);
    tick(0);
    ws.last.open().message('1').message('2');
    ws.last.end('closed');
    tick(10);
    ws.last.open({ resumed: true }).message('2').message('3').message('3');
    assert.deepEqual(payloads(events, 'message').map((m) => m.id), ['1', '2', '3']);
  });

  it('a connection that stays open 5 s resets the backoff; shorter ones do not', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { reconnect: { initialDelay: 100, factor: 2, jitter: 0 } });
    const events = record(client);
    tick(0);
    ws.last.end('refused');
    tick(100);
    ws.last.open();
    tick(4000);
    ws.last.end('closed');
    tick(200);
    ws.last.open();
    tick(5000);
    ws.last.end('closed');
    assert.deepEqual(payloads(events, 'reconnecting').map((r) => r.delay), [100, 200, 100]);
  });

  it('three unstable connections in a row move down the order', () => {
    const ws = fakeTransport('websocket');
    const sse = fakeTransport('sse');
    const client = fakeClient([ws, sse], { reconnect: { initialDelay: 10, factor: 1, jitter: 0 } });
    const events = record(client);
    tick(0);
    for (let i = 0; i < 3; i++) {
      ws.last.open();
      tick(100);
      ws.last.end('closed');
      tick(10);
    }
    assert.equal(ws.connections.length, 3);
    assert.equal(sse.connections.length, 1);
    assert.equal(payloads(events, 'fallback')[0].reason, 'closed');
  });

  it('no open frame within connectTimeout: `timeout`, or `buffered` when the server answered', () => {
    for (const answers of [false, true]) {
      const ws = fakeTransport('websocket');
      const client = fakeClient([ws], { connectTimeout: 1000 });
      const events = record(client);
      tick(0);
      if (answers) ws.last.responded();
      tick(1000);
      const [reconnecting] = payloads(events, 'reconnecting');
      assert.deepEqual([reconnecting.error.code, reconnecting.error.transport], [answers ? 'buffered' : 'timeout', 'websocket']);
      assert.ok(ws.last.closed);
      client.close();
    }
  });

  it('an open connection silent for heartbeatTimeout is `muted` and moves down the order', () => {
    const ws = fakeTransport('websocket');
    const sse = fakeTransport('sse');
    const client = fakeClient([ws, sse], { heartbeatTimeout: 3000, reconnect: { initialDelay: 10, jitter: 0 } });
    const events = record(client);
    tick(0);
    ws.last.open();
    tick(2000);
    ws.last.ping(); // any frame counts as life
    tick(2999);
    assert.equal(payloads(events, 'fallback').length, 0);
    tick(1);
    const [fallback] = payloads(events, 'fallback');
    assert.deepEqual([fallback.transport, fallback.reason, fallback.next], ['websocket', 'muted', 'sse']);
    assert.ok(ws.last.closed);
    tick(10);
    assert.equal(sse.connections.length, 1);
  });

  it('heartbeatTimeout 0 turns the liveness check off', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { heartbeatTimeout: 0 });
    tick(0);
    ws.last.open();
    tick(3_600_000);
    assert.equal(client.state, 'open');
  });

  it('Retry-After: waits at least that long and stays on the transport', () => {
    const ws = fakeTransport('websocket');
    const sse = fakeTransport('sse');
    const client = fakeClient([ws, sse], { reconnect: { initialDelay: 10, jitter: 0 } });
    const events = record(client);
    tick(0);
    ws.last.end('refused', { status: 503, retryAfter: 2000 });
    assert.equal(payloads(events, 'fallback').length, 0);
    assert.equal(payloads(events, 'reconnecting')[0].delay, 2000);
    tick(1999);
    assert.equal(ws.connections.length + sse.connections.length, 1);
    tick(1);
    assert.equal(ws.connections.length, 2);
  });

  it('the open frame\'s `retry` is the least delay before reconnecting', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { reconnect: { initialDelay: 10, jitter: 0 } });
    const events = record(client);
    tick(0);
    ws.last.open({ retry: 1500 });
    ws.last.end('closed');
    assert.equal(payloads(events, 'reconnecting')[0].delay, 1500);
  });

  it('without a token function, refused credentials (401, 403, close 4401) stop the client with `auth`; 204 and application close codes stop it too', () => {
    for (const [code, extra, expected] of [
      ['refused', { status: 401 }, 'auth'],
      ['refused', { status: 403 }, 'auth'],
      ['closed', { closeCode: 4401 }, 'auth'],
      ['closed-by-server', { status: 204 }, 'closed-by-server'],
      ['closed', { closeCode: 4001 }, 'closed'],
      ['closed', { closeCode: 1008 }, 'closed'],
    ] as const) {
      const ws = fakeTransport('websocket');
      const c = fakeClient([ws], { token: 'static' });
      const events = record(c);
      tick(0);
      ws.last.end(code, extra);
      assert.equal(c.state, 'closed', JSON.stringify(extra));
      assert.equal(payloads(events, 'error').length, 1);
      assert.deepEqual(payloads(events, 'close')[0].error?.code, expected);
      if (expected === 'auth') assert.equal(payloads(events, 'close')[0].error?.status, 'status' in extra ? extra.status : 401);
    }
  });

  it('with a token function: a 401 refreshes the token and retries at once; then `auth` errors and waits, at most 3 attempts in any 5 s', () => {
    const ws = fakeTransport('websocket');
    let calls = 0;
    const client = fakeClient([ws], { token: () => 'token-' + ++calls, reconnect: { initialDelay: 10, jitter: 0 } });
    const events = record(client);
    const startedAt: number[] = [];
    tick(0);
    for (let i = 0; i < 60; i++) {
      // Every new attempt is refused as soon as it starts (the retry at once starts within end()).
      while (ws.connections.length > startedAt.length) {
        startedAt.push(Date.now());
        ws.connections[startedAt.length - 1].end('refused', { status: 401 });
      }
      tick(100);
    }
    assert.deepEqual(ws.connections.slice(0, 3).map((c) => c.headers.Authorization), ['Bearer token-1', 'Bearer token-2', 'Bearer token-3']);
    assert.equal(startedAt[1] - startedAt[0], 0, 'the first retry is at once');
    for (let i = 0; i + 3 < startedAt.length; i++) assert.ok(startedAt[i + 3] - startedAt[i] >= 5000, 'four attempts within 5 s: ' + startedAt.join(','));
    const errors = payloads(events, 'error');
    assert.deepEqual(errors.map((e) => [e.code, e.status]).slice(0, 2), [['auth', 401], ['auth', 401]]);
    assert.equal(errors.length, startedAt.length - 1, 'every refusal but the first is reported');
    assert.equal(client.state, 'reconnecting');
  });

  it('a refreshed token that works: the connection opens and the count of refusals starts again', () => {
    const ws = fakeTransport('websocket');
    let calls = 0;
    const client = fakeClient([ws], { token: () => 'token-' + ++calls, reconnect: { initialDelay: 10, jitter: 0 } });
    const events = record(client);
    tick(0);
    ws.last.end('closed', { closeCode: 4401 }); // WebSocket: the server closes with 4401
    tick(0);
    assert.equal(ws.connections.length, 2);
    ws.last.open();
    assert.equal(payloads(events, 'error').length, 0, 'a refusal that a refresh fixed is not reported');
    ws.last.end('closed');
    tick(10);
    ws.last.end('refused', { status: 401 });
    tick(0);
    assert.equal(ws.connections.length, 4, 'again retried at once');
  });

  it('a busy WebSocket (close 4503, with or without Retry-After in the reason) ends the round and is waited for', () => {
    const ws = fakeTransport('websocket');
    const sse = fakeTransport('sse');
    const client = fakeClient([ws, sse], { reconnect: { initialDelay: 10, jitter: 0 } });
    const events = record(client);
    tick(0);
    ws.last.end('refused', { closeCode: 4503, retryAfter: 2000 });
    assert.equal(payloads(events, 'reconnecting')[0].delay, 2000);
    tick(2000);
    assert.equal(ws.connections.length, 2, 'the same transport again, after the wait');
    ws.last.end('refused', { closeCode: 4503 });
    assert.equal(payloads(events, 'fallback').length, 0, 'busy is not the transport\'s fault: no race, no fallback');
    assert.equal(sse.connections.length, 0);
    client.close();
  });

  it('a frame that is not a frame is a protocol error, reported, and the client reconnects', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { reconnect: { initialDelay: 10, jitter: 0 } });
    const events = record(client);
    tick(0);
    ws.last.open().garbage();
    assert.equal(payloads(events, 'error')[0].code, 'protocol');
    assert.ok(ws.last.closed);
    tick(10);
    assert.equal(ws.connections.length, 2);
  });

  it('a message before the open frame is a protocol error', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws]);
    const events = record(client);
    tick(0);
    ws.last.message('1');
    assert.equal(payloads(events, 'error')[0].message, 'Pushline websocket: message before open');
  });

  it('a message over maxMessageSize is skipped with an error naming it, and the cursor moves past it', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { maxMessageSize: 4 });
    const events = record(client);
    tick(0);
    ws.last.open().message('1', 'ok').message('2', 'too long').message('3', 'ok');
    assert.deepEqual(payloads(events, 'message').map((m) => m.id), ['1', '3']);
    const [error] = payloads(events, 'error');
    assert.deepEqual([error.code, error.id], ['too-large', '2']);
  });

  it('a transport that reports a too-large frame by id: the client resumes after it', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { reconnect: { initialDelay: 10, jitter: 0 } });
    tick(0);
    ws.last.open().message('1');
    ws.last.end('too-large', { id: '2' });
    tick(10);
    assert.equal(query(ws.last.url).lastEventId, '2');
  });

  it('options given as functions are called before every attempt; one that throws is an `options` error', () => {
    const ws = fakeTransport('websocket');
    let calls = 0;
    const client = fakeClient([ws], {
      token: () => 'token-' + ++calls,
      query: () => ({ room: 'r' + calls }),
      headers: () => ({ 'X-Call': String(calls) }),
      reconnect: { initialDelay: 10, jitter: 0 },
    });
    tick(0);
    assert.equal(ws.last.request.token(), 'token-1');
    assert.equal(query(ws.last.url).room, 'r0', 'query is read before token, in order');
    assert.equal(ws.last.headers.Authorization, 'Bearer token-1');
    assert.equal(ws.last.headers['X-Call'], '0');
    ws.last.end('refused');
    tick(10);
    assert.equal(ws.last.request.token(), 'token-2');

    const failing = fakeTransport('websocket');
    const other = fakeClient([failing], {
      token: () => {
        throw new Error('no token');
      },
    });
    const events = record(other);
    tick(0);
    assert.equal(failing.connections.length, 0);
    assert.equal(payloads(events, 'error')[0].code, 'options');
    other.close();
  });

  it('close() stops everything and emits close once, with no error', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws]);
    const events = record(client);
    tick(0);
    ws.last.open();
    client.close();
    client.close();
    assert.ok(ws.last.closed);
    assert.deepEqual(payloads(events, 'close'), [{ error: null }]);
    tick(100000);
    assert.equal(ws.connections.length, 1);
  });

  it('public state cannot be overwritten by the application', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws]);
    tick(0);
    ws.last.open().message('1');
    const writable = client as unknown as Record<string, unknown>;
    assert.throws(() => {
      'use strict';
      writable.lastEventId = 'forged';
    }, TypeError);
    assert.equal(client.lastEventId, '1');
  });
});
