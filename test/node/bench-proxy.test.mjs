// The imitated network of the time-to-first-message bench (bench/proxy.mjs), in front of the real
// reference server: the bench's figures are only as true as the conditions this proxy imposes.
// Build first (the reference server comes from dist/). Run: node --test test/node/bench-proxy.test.mjs
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { WebSocket } from 'ws';
import { createServer } from '../../dist/server/index.js';
import { CLASSIFIERS, startProxy } from '../../bench/proxy.mjs';

const BAD_GATEWAY = '<html><body><h1>502 Bad Gateway</h1></body></html>';
// Long enough for a message published now to cross two local sockets many times over.
const QUIET_MS = 300;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The reference server behind a proxy; both closed when the test ends. */
async function start(t) {
  const srv = await createServer({ port: 0, host: '127.0.0.1' });
  const proxy = await startProxy({ target: srv.url, classify: CLASSIFIERS.pushline });
  t.after(async () => {
    await proxy.close();
    await srv.close();
  });
  return { srv, proxy };
}

/** A GET that resolves when the status and headers arrive; body() collects what comes until the end. */
function get(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks = [];
      const arrivals = [];
      res.on('data', (c) => {
        chunks.push(c);
        arrivals.push(Date.now());
      });
      // The end of the body, or the connection cut before it (srv.drop() destroys live responses).
      const ended = new Promise((r) => {
        res.on('end', r);
        res.on('close', r);
      });
      res.on('error', () => {});
      resolve({
        status: res.statusCode,
        headers: res.headers,
        bytesSoFar: () => chunks.reduce((n, c) => n + c.length, 0),
        arrivals,
        body: async () => {
          await ended;
          return Buffer.concat(chunks).toString('utf8');
        },
        abort: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

function openWebSocket(url) {
  const ws = new WebSocket(url, { handshakeTimeout: QUIET_MS });
  const messages = [];
  ws.on('message', (m) => messages.push(String(m)));
  const outcome = new Promise((resolve) => {
    ws.once('open', () => resolve({ open: true }));
    ws.once('unexpected-response', (_req, res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ open: false, status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    ws.once('error', (e) => resolve({ open: false, error: e.message }));
  });
  return { ws, messages, outcome };
}

describe('bench proxy: classification', () => {
  test('Pushline: /ws, /sse, /stream, /poll by path; sends, pages and controls are "other"', () => {
    const c = (p) => CLASSIFIERS.pushline(p, new URLSearchParams());
    assert.deepEqual(['/ws', '/sse', '/stream', '/poll', '/send', '/index.html', '/_control/publish'].map(c),
      ['websocket', 'sse', 'streaming', 'polling', 'other', 'other', 'other']);
  });

  test('engine.io: the transport query parameter of /engine.io/', () => {
    const c = (q) => CLASSIFIERS['engine.io']('/engine.io/', new URLSearchParams(q));
    assert.deepEqual([c('EIO=4&transport=polling&t=x'), c('EIO=4&transport=websocket&sid=a'), c('EIO=4'), CLASSIFIERS['engine.io']('/ttfm.html', new URLSearchParams('transport=polling'))],
      ['polling', 'websocket', 'other', 'other']);
  });

  test('sockjs: the transport after /prefix/<server>/<session>/, the raw websocket, info and sends', () => {
    const c = (p) => CLASSIFIERS.sockjs(p, new URLSearchParams(), '/sockjs');
    assert.deepEqual(
      ['/sockjs/123/abcd/websocket', '/sockjs/123/abcd/eventsource', '/sockjs/123/abcd/xhr_streaming', '/sockjs/123/abcd/htmlfile',
        '/sockjs/123/abcd/xhr', '/sockjs/123/abcd/jsonp', '/sockjs/123/abcd/xhr_send', '/sockjs/websocket', '/sockjs/info', '/sockjs/iframe.html', '/xhr'].map(c),
      ['websocket', 'sse', 'streaming', 'streaming', 'polling', 'polling', 'other', 'websocket', 'other', 'other', 'other'],
    );
  });
});

describe('bench proxy: conditions, in front of the reference server', () => {
  test('open: every transport goes through, a stream as it comes', async (t) => {
    const { srv, proxy } = await start(t);
    const sse = await get(proxy.url + '/sse');
    assert.equal(sse.status, 200);
    assert.match(sse.headers['content-type'], /^text\/event-stream/);
    const before = sse.bytesSoFar();
    srv.publish('through');
    for (const end = Date.now() + 2000; sse.bytesSoFar() === before; await sleep(5)) {
      if (Date.now() > end) assert.fail('the published message did not come through the proxy');
    }
    sse.abort();
    const { ws, messages, outcome } = openWebSocket(proxy.url.replace('http', 'ws') + '/ws');
    t.after(() => ws.terminate());
    assert.deepEqual(await outcome, { open: true });
    srv.publish('over websocket');
    for (const end = Date.now() + 2000; !messages.some((m) => m.includes('over websocket')); await sleep(5)) {
      if (Date.now() > end) assert.fail('the WebSocket message did not come through the proxy');
    }
    assert.deepEqual(proxy.counts(), { sse: 1, websocket: 1 });
  });

  test('refuse: a 502 like a proxy, for HTTP and for the WebSocket upgrade; the server never sees them', async (t) => {
    const { srv, proxy } = await start(t);
    proxy.set({ websocket: 'refuse', polling: 'refuse' });
    const poll = await get(proxy.url + '/poll');
    assert.equal(poll.status, 502);
    assert.equal(await poll.body(), BAD_GATEWAY);
    const { outcome } = openWebSocket(proxy.url.replace('http', 'ws') + '/ws');
    assert.deepEqual(await outcome, { open: false, status: 502, body: BAD_GATEWAY });
    assert.deepEqual(srv.connections(), { websocket: 0, sse: 0, streaming: 0, longpoll: 0 });
    assert.deepEqual(proxy.counts(), { 'polling refuse': 1, 'websocket refuse': 1 });
  });

  test('hang: accepted, never answered (HTTP and upgrade); close() ends the held connections', async (t) => {
    const { proxy } = await start(t);
    proxy.set({ sse: 'hang', websocket: 'hang' });
    const answered = await Promise.race([get(proxy.url + '/sse').then(() => 'answered', () => 'failed'), sleep(QUIET_MS).then(() => 'silent')]);
    assert.equal(answered, 'silent');
    const { outcome } = openWebSocket(proxy.url.replace('http', 'ws') + '/ws');
    assert.match((await outcome).error, /timed out/i);
    const started = Date.now();
    await proxy.close(); // would wait for the hung request if it did not end it
    assert.ok(Date.now() - started < 1000);
  });

  test('buffer: status and headers at once, every body byte held until the response ends; polling unchanged', async (t) => {
    const { srv, proxy } = await start(t);
    proxy.set({ sse: 'buffer', streaming: 'buffer', polling: 'buffer' });
    const sse = await get(proxy.url + '/sse');
    assert.equal(sse.status, 200);
    assert.match(sse.headers['content-type'], /^text\/event-stream/);
    srv.publish('held 1');
    srv.publish('held 2');
    await sleep(QUIET_MS);
    assert.equal(sse.bytesSoFar(), 0, 'no body byte while the stream is open');
    const cut = Date.now();
    srv.drop(); // the server cuts the response: what was held arrives then
    const body = await sse.body();
    assert.match(body, /held 1[\s\S]*held 2/);
    assert.ok(sse.arrivals.every((t) => t >= cut), 'no byte before the response ended');
    // A long-poll answer is complete when written: buffering it holds nothing back.
    const poll = await get(proxy.url + '/poll');
    assert.equal(poll.status, 200);
    assert.match(await poll.body(), /"type":"open"/);
  });

  test('buffer, WebSocket: the upgrade completes, frames are held until the connection ends', async (t) => {
    const { srv, proxy } = await start(t);
    proxy.set({ websocket: 'buffer' });
    const { ws, messages, outcome } = openWebSocket(proxy.url.replace('http', 'ws') + '/ws');
    t.after(() => ws.terminate());
    assert.deepEqual(await outcome, { open: true });
    srv.publish('held frame');
    await sleep(QUIET_MS);
    assert.deepEqual(messages, [], 'not even the open frame while the connection lasts');
    const closed = new Promise((r) => ws.once('close', r));
    srv.drop();
    await closed;
    assert.ok(messages.some((m) => m.includes('held frame')), 'the held frames arrive when the server ends the connection');
  });

  test('no server behind it: HTTP gets a 502, an upgrade is closed', async (t) => {
    const srv = await createServer({ port: 0, host: '127.0.0.1' });
    const target = srv.url;
    await srv.close(); // nothing listens on that port any more
    const proxy = await startProxy({ target, classify: CLASSIFIERS.pushline });
    t.after(() => proxy.close());
    const poll = await get(proxy.url + '/poll');
    assert.equal(poll.status, 502);
    const { outcome } = openWebSocket(proxy.url.replace('http', 'ws') + '/ws');
    assert.equal((await outcome).open, false);
  });

  test('set() rejects unknown classes and modes', async (t) => {
    const { proxy } = await start(t);
    assert.throws(() => proxy.set({ comet: 'hang' }), /unknown transport class/);
    assert.throws(() => proxy.set({ sse: 'slow' }), /unknown mode/);
  });
});
