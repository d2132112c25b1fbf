/**
 * What issue 22 gave the application to see and type: stats(), the logger, the application's
 * events by name (with `decode`), and the errors a client outside a page reports instead of
 * throwing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '../../src/client.js';
import { BASE, fakeClient, fakeTimeInEachTest, fakeTransport, payloads, record, tick } from './fake.js';

describe('stats(), the logger and the application\'s events', () => {
  fakeTimeInEachTest();

  it('stats() counts attempts, fallbacks, reconnects, resumes, gaps, messages, bytes and the round trip', () => {
    const ws = fakeTransport('websocket');
    const sse = fakeTransport('sse');
    const client = fakeClient([ws, sse], { reconnect: { initialDelay: 100, jitter: 0 } });
    assert.deepEqual(client.stats(), { attempts: 0, fallbacks: 0, reconnects: 0, resumes: 0, gaps: 0, messages: 0, bytes: 0, roundTrip: null });
    tick(0);
    ws.last.end('refused');
    tick(30);
    sse.last.open({ last: '0' }).message('1', 'abc').message('2', 'de');
    sse.last.end('closed');
    tick(200);
    sse.last.open({ resumed: true }).message('3', 'f');
    sse.last.open({ gap: true, last: '9' });
    const stats = client.stats();
    assert.equal(stats.attempts, 3);
    assert.equal(stats.fallbacks, 1);
    assert.equal(stats.reconnects, 1);
    assert.equal(stats.resumes, 1);
    assert.equal(stats.gaps, 1);
    assert.equal(stats.messages, 3);
    assert.equal(stats.bytes, 6);
    assert.equal(typeof stats.roundTrip, 'number');
  });

  it('the logger gets every event and each attempt started, in order', () => {
    const log: [string, unknown][] = [];
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { logger: (event, detail) => log.push([event, detail]) });
    tick(0);
    ws.last.open().message('1', 'x');
    client.close();
    assert.deepEqual(
      log.map(([event]) => event),
      ['attempt', 'open', 'message', 'close'],
    );
    assert.deepEqual(log[0][1], { transport: 'websocket' });
  });

  it('a message of an application event goes to on("message") with its text, then, decoded, to on(its name)', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { decode: (data) => JSON.parse(data) }) as unknown as Client<{ chat: { text: string } }>;
    const order: string[] = [];
    const chats: { text: string }[] = [];
    client.on('message', (m) => order.push('message ' + m.data));
    client.on('chat', (m) => {
      order.push('chat');
      chats.push(m.data);
    });
    tick(0);
    ws.last.open().message('1', '{"text":"hi"}', 'chat').message('2', 'plain');
    assert.deepEqual(order, ['message {"text":"hi"}', 'chat', 'message plain']);
    assert.deepEqual(chats, [{ text: 'hi' }]);
  });

  it('a message decode throws on is reported (protocol) and not emitted under its name; the client goes on', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws], { decode: (data) => JSON.parse(data) }) as unknown as Client<{ chat: unknown }>;
    const events = record(client);
    const chats: unknown[] = [];
    client.on('chat', (m) => chats.push(m.data));
    tick(0);
    ws.last.open().message('1', 'not json', 'chat').message('2', '{}', 'chat');
    assert.deepEqual(payloads(events, 'error').map((e) => [e.code, e.id]), [['protocol', '1']]);
    assert.deepEqual(chats, [{}]);
    assert.equal(payloads(events, 'message').length, 2);
    assert.equal(client.state, 'open');
  });

  it('an application event named like one of the client\'s (or like an Object.prototype member) is a message only', () => {
    const ws = fakeTransport('websocket');
    const client = fakeClient([ws]) as unknown as Client<{ constructor: string }>;
    const events = record(client);
    const seen: string[] = [];
    client.on('constructor', (m) => seen.push(m.data));
    tick(0);
    ws.last.open().message('1', 'a', 'error').message('2', 'b', 'constructor');
    assert.equal(payloads(events, 'error').length, 0);
    assert.equal(payloads(events, 'message').length, 2);
    assert.deepEqual(seen, ['b']);
  });
});

describe('outside a page (Node, server-side rendering)', () => {
  fakeTimeInEachTest();

  it('a relative URL is reported through the error event, never thrown where the client is made', () => {
    const client = new Client('/realtime', { transports: [fakeTransport('websocket')] });
    const events = record(client);
    tick(0);
    assert.equal(client.state, 'closed');
    const error = payloads(events, 'close')[0].error;
    assert.equal(error?.code, 'options');
    assert.match(error?.message ?? '', /relative URL/);
  });

  it('no-transport says what each transport needs', () => {
    const websocket = Object.assign(fakeTransport('websocket', { supported: false }), { needs: 'WebSocket' });
    const client = new Client(BASE, { transports: [websocket, fakeTransport('longpoll', { supported: false })] });
    const events = record(client);
    tick(0);
    const error = payloads(events, 'close')[0].error;
    assert.equal(error?.code, 'no-transport');
    assert.match(error?.message ?? '', /websocket needs WebSocket, longpoll\)/);
  });
});
