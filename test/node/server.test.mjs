// The reference server against real sockets: node:test, Node 20's fetch, node:http and `ws`.
// Build first: npx tsc -p tsconfig.server.json. Run: node --test test/node/
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, writeFile, mkdir, rm, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { createServer } from '../../dist/server/index.js';
import { History } from '../../dist/server/history.js';
import { delimiterEscaper } from '../../dist/server/frames.js';
import { Senders, SENDERS_KEPT } from '../../dist/server/sends.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const BAD_GATEWAY = '<html><body><h1>502 Bad Gateway</h1></body></html>';

/** A server that is closed when the test ends. */
async function start(t, options = {}) {
  const srv = await createServer({ port: 0, host: '127.0.0.1', ...options });
  t.after(() => srv.close());
  return srv;
}

async function waitFor(cond, what, ms = 3000) {
  for (const end = Date.now() + ms; !cond(); await sleep(5)) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
  }
}

/** One HTTP request with node:http (any header, Origin included); resolves with the whole answer. */
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Opens a long-held GET and collects its body as it arrives. `s.answered` resolves with the
 * status once the headers are in; `s.closed` resolves with whether the body ended normally.
 */
function openStream(url, headers = {}) {
  const s = { text: '', status: 0, headers: {}, req: null, complete: false };
  s.answered = new Promise((resolve) => {
    s.req = http.get(url, { headers, agent: false }, (res) => {
      s.status = res.statusCode;
      s.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (c) => (s.text += c));
      res.on('error', () => {});
      res.on('end', () => (s.complete = true));
      resolve(res.statusCode);
    });
  });
  s.closed = new Promise((resolve) => s.req.on('close', () => resolve(s.complete)));
  s.req.on('error', () => {});
  s.close = () => s.req.destroy();
  return s;
}

/** Complete SSE events of a body: [{ id, frame }] (the leading comment is skipped). */
function sseEvents(text) {
  const blocks = text.split('\n\n');
  blocks.pop(); // incomplete (or empty) tail
  return blocks
    .filter((b) => !b.startsWith(':'))
    .map((b) => {
      const lines = b.split('\n');
      const id = lines.find((l) => l.startsWith('id: '))?.slice(4) ?? null;
      return { id, frame: JSON.parse(lines.find((l) => l.startsWith('data: ')).slice(6)) };
    });
}

/** Complete frames of a streaming body: split on the delimiter, skip blank ones (the prelude). */
function streamFrames(text, delimiter = '\n') {
  const parts = text.split(delimiter);
  parts.pop();
  return parts.filter((p) => p.trim()).map((p) => JSON.parse(p));
}

/** A ws client that records its frames; `opened` rejects on a refused upgrade. */
function wsClient(url, options) {
  const ws = new WebSocket(url, options);
  const c = { ws, frames: [], status: null };
  c.opened = new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('unexpected-response', (req, res) => {
      c.status = res.statusCode;
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => reject(Object.assign(new Error('HTTP ' + res.statusCode), { status: res.statusCode, body })));
      res.on('error', () => {});
    });
    ws.on('error', reject);
  });
  c.opened.catch(() => {});
  c.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('message', (d) => c.frames.push(JSON.parse(String(d))));
  return c;
}
const wsUrl = (srv, q = '') => srv.url.replace('http', 'ws') + '/ws' + q;

const control = (srv, name, body, headers = {}) =>
  request(srv.url + '/_control/' + name, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body ?? {}),
  });

// ---------------------------------------------------------------------------------------------

describe('history (pure)', () => {
  test('keeps the last N, resumes from the id just before the oldest, refuses the rest', () => {
    const h = new History(3);
    assert.equal(h.latest, null);
    assert.deepEqual(h.after('0'), []);
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((v) => h.append(v)), ['1', '2', '3', '4', '5']);
    assert.equal(h.latest, '5');
    assert.deepEqual(h.after('2'), ['c', 'd', 'e']); // 2 is just before the oldest kept (3)
    assert.deepEqual(h.after('4'), ['e']);
    assert.deepEqual(h.after('5'), []);
    for (const bad of ['1', '0', '6', '99', 'abc', '', '03', '-1', '2.0', ' 3']) assert.equal(h.after(bad), null, bad);
  });

  test('a zero-size history can only resume from the newest id', () => {
    const h = new History(0);
    h.append('x');
    assert.deepEqual(h.after('1'), []);
    assert.equal(h.after('0'), null);
  });
});

describe('delimiter safety rule (pure)', () => {
  test('rejects empty, quote, backslash and all-JSON-syntax delimiters', () => {
    for (const bad of ['', 'a"b', 'x\\', '{}', 'abc', '  ', '0', 'true', 'E+-']) assert.equal(delimiterEscaper(bad), null, JSON.stringify(bad));
    for (const good of ['\n', '|', 'ThisCometMessageEnded', '😀', '--X--']) assert.equal(typeof delimiterEscaper(good), 'function', good);
  });

  test('escapes the first character outside the JSON syntax set, as \\uXXXX in lowercase hex', () => {
    const esc = delimiterEscaper('ThisCometMessageEnded'); // 'T' is the first char outside the set
    assert.equal(esc('{"data":"The T"}'), '{"data":"\\u0054he \\u0054"}');
    assert.equal(delimiterEscaper('ab|')('{"data":"a|b"}'), '{"data":"a\\u007cb"}');
    assert.equal(delimiterEscaper('😀')('"😀"'), '"\\ud83d\\ude00"');
  });
});

describe('publish', () => {
  test('returns sequential decimal ids, also through the control endpoint', async (t) => {
    const srv = await start(t, { controls: true });
    assert.deepEqual([srv.publish('a'), srv.publish('b', { event: 'x' }), srv.publish('c')], ['1', '2', '3']);
    const one = await control(srv, 'publish', { data: 'd', event: 'chat' });
    assert.equal(one.status, 200);
    assert.deepEqual(JSON.parse(one.body), { id: '4' });
    const many = await control(srv, 'publish', [{ data: 'e' }, { data: 'f', event: 'g' }]);
    assert.deepEqual(JSON.parse(many.body), { ids: ['5', '6'] });
    assert.throws(() => srv.publish(42), TypeError);
  });
});

describe('SSE', () => {
  test('sends the comment, the open frame, then messages with SSE ids and event names', async (t) => {
    const srv = await start(t);
    srv.publish('before');
    const s = openStream(srv.url + '/sse');
    assert.equal(await s.answered, 200);
    assert.match(s.headers['content-type'], /^text\/event-stream/);
    assert.equal(s.headers['cache-control'], 'no-cache');
    await waitFor(() => sseEvents(s.text).length === 1, 'open frame');
    assert.ok(s.text.startsWith(': pushline\n\ndata: {"type":"open",'));
    const [open] = sseEvents(s.text);
    assert.deepEqual(open, { id: null, frame: { type: 'open', session: open.frame.session, resumed: false, last: '1', heartbeat: 15000 } });
    assert.match(open.frame.session, /^s\d+$/);
    assert.equal(srv.connections().sse, 1);

    srv.publish('hello', { event: 'chat' });
    srv.publish('plain', { event: 'message' });
    await waitFor(() => sseEvents(s.text).length === 3, 'two messages');
    assert.ok(s.text.endsWith('id: 2\ndata: {"id":"2","prev":"1","event":"chat","data":"hello"}\n\nid: 3\ndata: {"id":"3","prev":"2","data":"plain"}\n\n'));
    s.close();
    await waitFor(() => srv.connections().sse === 0, 'the server to notice');
  });

  test('resumes after lastEventId, preferring the Last-Event-ID header over the query', async (t) => {
    const srv = await start(t);
    for (let i = 1; i <= 5; i++) srv.publish('m' + i);
    const s = openStream(srv.url + '/sse?lastEventId=3');
    await waitFor(() => sseEvents(s.text).length === 3, 'open + 2 replayed');
    const events = sseEvents(s.text);
    assert.deepEqual(events[0].frame, { type: 'open', session: events[0].frame.session, resumed: true, last: '5', heartbeat: 15000 });
    assert.deepEqual(events.slice(1).map((e) => [e.id, e.frame.data]), [['4', 'm4'], ['5', 'm5']]);
    s.close();

    const h = openStream(srv.url + '/sse?lastEventId=1', { 'Last-Event-ID': '4' });
    await waitFor(() => sseEvents(h.text).length === 2, 'open + 1 replayed');
    assert.deepEqual(sseEvents(h.text)[1].frame, { id: '5', prev: '4', data: 'm5' });
    h.close();
  });
});

describe('gap', () => {
  test('an id older than the history, an unknown id and a future id all get gap:true and no replay', async (t) => {
    const srv = await start(t, { history: 3 });
    for (let i = 1; i <= 5; i++) srv.publish('m' + i);
    for (const id of ['1', 'nonsense', '99']) {
      const s = openStream(srv.url + '/stream?lastEventId=' + id);
      await waitFor(() => streamFrames(s.text).length === 1, 'open frame');
      srv.publish('live');
      await waitFor(() => streamFrames(s.text).length === 2, 'live message');
      const [open, live] = streamFrames(s.text);
      assert.equal(open.gap, true, id);
      assert.equal(open.resumed, false);
      assert.equal(open.last, String(Number(live.id) - 1));
      assert.equal(live.data, 'live');
      s.close();
    }
  });

  test('the id just before the oldest kept message is still resumable', async (t) => {
    const srv = await start(t, { history: 3 });
    for (let i = 1; i <= 5; i++) srv.publish('m' + i);
    const c = wsClient(wsUrl(srv, '?lastEventId=2'));
    await waitFor(() => c.frames.length === 4, 'open + 3 replayed');
    assert.equal(c.frames[0].resumed, true);
    assert.equal('gap' in c.frames[0], false);
    assert.deepEqual(c.frames.slice(1).map((f) => f.id), ['3', '4', '5']);
    c.ws.close();
  });
});

describe('streaming', () => {
  test('prelude of 2048 spaces and the delimiter, then newline-delimited frames', async (t) => {
    const srv = await start(t);
    srv.publish('one');
    const s = openStream(srv.url + '/stream?lastEventId=0');
    assert.equal(await s.answered, 200);
    assert.equal(s.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(s.headers['cache-control'], 'no-cache, no-transform');
    assert.equal(s.headers['x-accel-buffering'], 'no');
    await waitFor(() => streamFrames(s.text).length === 2, 'open + replay');
    assert.equal(s.text.slice(0, 2049), ' '.repeat(2048) + '\n');
    assert.equal(s.text.slice(2049), '{"type":"open","session":"' + streamFrames(s.text)[0].session + '","resumed":true,"last":"1","heartbeat":15000}\n{"id":"1","prev":null,"data":"one"}\n');
    srv.publish('line\nbreak "q" \\ 😀', { event: 'e' });
    await waitFor(() => streamFrames(s.text).length === 3, 'live');
    assert.deepEqual(streamFrames(s.text)[2], { id: '2', prev: '1', event: 'e', data: 'line\nbreak "q" \\ 😀' });
    s.close();
  });

  test('a custom delimiter is used and escaped out of the frames, so payloads containing it round-trip', async (t) => {
    const srv = await start(t);
    for (const delimiter of ['ThisCometMessageEnded', '|', '😀', '\u2028']) {
      const tricky = `a ${delimiter} b ${delimiter}${delimiter} T|😀\u2028 end`;
      const s = openStream(srv.url + '/stream?delimiter=' + encodeURIComponent(delimiter));
      await waitFor(() => streamFrames(s.text, delimiter).length === 1, 'open ' + delimiter);
      assert.equal(s.text.slice(0, 2048 + delimiter.length), ' '.repeat(2048) + delimiter);
      const id = srv.publish(tricky, { event: delimiter });
      await waitFor(() => streamFrames(s.text, delimiter).length === 2, 'message ' + delimiter);
      const prev = id === '1' ? null : String(Number(id) - 1);
      assert.deepEqual(streamFrames(s.text, delimiter)[1], { id, prev, event: delimiter, data: tricky });
      assert.equal(s.text.split(delimiter).length, 4, 'the delimiter occurs only as a separator');
      s.close();
    }
  });

  test('answers 400 to an invalid delimiter', async (t) => {
    const srv = await start(t);
    for (const d of ['', 'a"', 'a\\b', '{}', 'true', '123']) {
      const res = await request(srv.url + '/stream?delimiter=' + encodeURIComponent(d));
      assert.equal(res.status, 400, JSON.stringify(d));
    }
    assert.equal(srv.connections().streaming, 0);
  });

  test('the server-wide delimiter option applies when the client sends none', async (t) => {
    const srv = await start(t, { delimiter: '\u0000END' });
    const s = openStream(srv.url + '/stream');
    await waitFor(() => streamFrames(s.text, '\u0000END').length === 1, 'open');
    s.close();
    await assert.rejects(createServer({ delimiter: '{}' }), TypeError);
  });
});

describe('long polling', () => {
  test('handshake answers at once with the open frame and the replay', async (t) => {
    const srv = await start(t, { pollTimeout: 5000 });
    srv.publish('a');
    srv.publish('b');
    const res = await request(srv.url + '/poll');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-store');
    const [open] = JSON.parse(res.body);
    assert.deepEqual(open, { type: 'open', session: open.session, resumed: false, last: '2', heartbeat: 5000 });

    const resumed = JSON.parse((await request(srv.url + '/poll?lastEventId=1')).body);
    assert.equal(resumed[0].resumed, true);
    assert.deepEqual(resumed.slice(1), [{ id: '2', prev: '1', data: 'b' }]);
  });

  test('a poll is held until a publish, which releases it with every message after the cursor', async (t) => {
    const srv = await start(t, { pollTimeout: 5000 });
    const [open] = JSON.parse((await request(srv.url + '/poll')).body);
    assert.equal(open.last, null);
    // No cursor: the open frame said last: null, so everything published since is after it.
    const held = request(`${srv.url}/poll?session=${open.session}`);
    await waitFor(() => srv.connections().longpoll === 1, 'the poll to be held');
    srv.publish('x');
    srv.publish('y', { event: 'e' }); // published in the same tick: one answer
    const res = await held;
    assert.deepEqual(JSON.parse(res.body), [{ id: '1', prev: null, data: 'x' }, { id: '2', prev: '1', event: 'e', data: 'y' }]);
    assert.equal(srv.connections().longpoll, 0);

    // Messages already after the cursor: answered at once. The header beats the query.
    const now = await request(`${srv.url}/poll?session=${open.session}&lastEventId=0`, { headers: { 'Last-Event-ID': '1' } });
    assert.deepEqual(JSON.parse(now.body), [{ id: '2', prev: '1', event: 'e', data: 'y' }]);
  });

  test('a held poll times out with a ping', async (t) => {
    const srv = await start(t, { pollTimeout: 200 });
    srv.publish('a');
    const res = await request(`${srv.url}/poll?session=s1&lastEventId=1`);
    assert.deepEqual(JSON.parse(res.body), [{ type: 'ping' }]);
  });

  test('a cursor that fell out of the history gets a new open frame with gap', async (t) => {
    const srv = await start(t, { history: 2 });
    for (let i = 0; i < 5; i++) srv.publish('m');
    const res = JSON.parse((await request(`${srv.url}/poll?session=s77&lastEventId=1`)).body);
    assert.deepEqual(res, [{ type: 'open', session: 's77', resumed: false, last: '5', heartbeat: 25000, gap: true }]);
    const unknown = JSON.parse((await request(`${srv.url}/poll?lastEventId=zzz`)).body);
    assert.equal(unknown[0].gap, true);
  });
});

describe('WebSocket', () => {
  test('open frame, messages, and client frames reach onMessage with the session', async (t) => {
    const got = [];
    const srv = await start(t, { onMessage: (data, info) => got.push([data, info]) });
    srv.publish('old');
    const c = wsClient(wsUrl(srv));
    await c.opened;
    await waitFor(() => c.frames.length === 1, 'open frame');
    const [open] = c.frames;
    assert.deepEqual(open, { type: 'open', session: open.session, resumed: false, last: '1', heartbeat: 15000 });
    srv.publish('hi', { event: 'chat' });
    srv.publish('there');
    await waitFor(() => c.frames.length === 3, 'two messages');
    assert.deepEqual(c.frames.slice(1), [{ id: '2', prev: '1', event: 'chat', data: 'hi' }, { id: '3', prev: '2', data: 'there' }]);
    c.ws.send('from client ü');
    await waitFor(() => got.length === 1, 'onMessage');
    assert.deepEqual(got[0], ['from client ü', { transport: 'websocket', session: open.session, client: null, seq: null }]);
    assert.equal(srv.connections().websocket, 1);
    c.ws.close(1000);
    assert.equal(await c.closed, 1000);
  });

  test('upgrades only on /ws', async (t) => {
    const srv = await start(t);
    const c = wsClient(srv.url.replace('http', 'ws') + '/elsewhere');
    await assert.rejects(c.opened, { status: 404 });
    assert.equal((await request(srv.url + '/ws')).status, 426);
  });
});

describe('POST /send', () => {
  test('hands the body to onMessage with the session and its transport', async (t) => {
    const got = [];
    const srv = await start(t, { controls: true, onMessage: (data, info) => got.push([data, info]) });
    const s = openStream(srv.url + '/sse');
    await waitFor(() => sseEvents(s.text).length === 1, 'open');
    const session = sseEvents(s.text)[0].frame.session;
    const res = await request(`${srv.url}/send?session=${session}`, { method: 'POST', headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'hello ü😀' });
    assert.equal(res.status, 204);
    await request(`${srv.url}/send?session=nope`, { method: 'POST', body: 'who' });
    await request(`${srv.url}/send`, { method: 'POST', body: 'anon' });
    assert.deepEqual(got, [
      ['hello ü😀', { transport: 'sse', session, client: null, seq: null }],
      ['who', { transport: null, session: 'nope', client: null, seq: null }],
      ['anon', { transport: null, session: null, client: null, seq: null }],
    ]);
    const received = JSON.parse((await request(srv.url + '/_control/received')).body);
    assert.deepEqual(received[0], { data: 'hello ü😀', transport: 'sse', session, client: null, seq: null });
    assert.equal((await request(`${srv.url}/send`, { method: 'POST' })).status, 400);
    assert.equal((await request(`${srv.url}/send`)).status, 405);
    assert.equal(srv.stats.send, 5);
    s.close();
  });

  test('a long-poll session is tied to longpoll', async (t) => {
    const got = [];
    const srv = await start(t, { onMessage: (data, info) => got.push(info.transport) });
    const [open] = JSON.parse((await request(srv.url + '/poll')).body);
    await request(`${srv.url}/send?session=${open.session}`, { method: 'POST', body: 'x' });
    assert.deepEqual(got, ['longpoll']);
  });
});

describe('block modes', () => {
  const endpoints = { sse: '/sse', streaming: '/stream', longpoll: '/poll' };

  test('refuse: HTTP transports answer 502 with an HTML body, the WebSocket upgrade too', async (t) => {
    const srv = await start(t, { controls: true });
    for (const [transport, p] of Object.entries(endpoints)) {
      srv.block(transport, 'refuse');
      const res = await request(srv.url + p);
      assert.equal(res.status, 502, transport);
      assert.equal(res.body, BAD_GATEWAY);
      assert.match(res.headers['content-type'], /^text\/html/);
    }
    assert.equal((await control(srv, 'block', { transport: 'websocket', mode: 'refuse' })).status, 204);
    const c = wsClient(wsUrl(srv));
    await assert.rejects(c.opened, { status: 502, body: BAD_GATEWAY });
    assert.deepEqual(srv.stats, { websocket: 1, sse: 1, streaming: 1, longpoll: 1, send: 0 });
    // Lifting the block restores the transport.
    srv.block('websocket', null);
    srv.block('longpoll', null);
    await wsClient(wsUrl(srv)).opened;
    assert.equal((await request(srv.url + '/poll')).status, 200);
  });

  test('hang: no answer within 300 ms on any transport, and close() still ends at once', async (t) => {
    const srv = await start(t);
    const pending = [];
    for (const [transport, p] of Object.entries(endpoints)) {
      srv.block(transport, 'hang');
      pending.push([transport, openStream(srv.url + p)]);
    }
    srv.block('websocket', 'hang');
    const c = wsClient(wsUrl(srv));
    let wsSettled = false;
    c.opened.then(() => (wsSettled = true), () => (wsSettled = true));
    await sleep(300);
    for (const [transport, s] of pending) assert.equal(s.status, 0, transport + ' answered');
    assert.equal(wsSettled, false, 'websocket answered');
    await srv.close();
    for (const [, s] of pending) assert.equal(await s.closed, false); // cut, not completed
    await c.closed;
  });

  test('buffer: sse and streaming answer but send no byte while open; lifting releases the bytes', async (t) => {
    const srv = await start(t);
    for (const transport of ['sse', 'streaming']) {
      srv.block(transport, 'buffer');
      const s = openStream(srv.url + endpoints[transport]);
      assert.equal(await s.answered, 200);
      srv.publish('held');
      await sleep(300);
      assert.equal(s.text, '', transport + ' leaked bytes');
      srv.block(transport, null);
      await waitFor(() => s.text.includes('"data":"held"'), transport + ' release');
      s.close();
    }
  });

  test('buffer: a live stream goes muted when the block is set', async (t) => {
    const srv = await start(t, { heartbeat: 50 });
    const s = openStream(srv.url + '/stream');
    await waitFor(() => streamFrames(s.text).length >= 1, 'open');
    srv.block('streaming', 'buffer');
    const before = s.text.length;
    srv.publish('muted');
    await sleep(300); // heartbeats are held back too
    assert.equal(s.text.length, before);
    s.close();
  });

  test('buffer: long polling still works, the WebSocket opens but delivers nothing', async (t) => {
    const srv = await start(t, { pollTimeout: 5000 });
    srv.block('longpoll', 'buffer');
    const [open] = JSON.parse((await request(srv.url + '/poll')).body);
    assert.equal(open.type, 'open');
    const held = request(`${srv.url}/poll?session=${open.session}`);
    await waitFor(() => srv.connections().longpoll === 1, 'held poll');
    srv.publish('through');
    assert.deepEqual(JSON.parse((await held).body), [{ id: '1', prev: null, data: 'through' }]);

    srv.block('websocket', 'buffer');
    const c = wsClient(wsUrl(srv));
    await c.opened;
    srv.publish('held');
    await sleep(300);
    assert.equal(c.frames.length, 0);
    srv.block('websocket', null);
    await waitFor(() => c.frames.length === 2, 'released frames');
    assert.equal(c.frames[0].type, 'open');
    assert.deepEqual(c.frames[1], { id: '2', prev: '1', data: 'held' });
    c.ws.close();
  });

  test('block rejects unknown transports and modes', async (t) => {
    const srv = await start(t, { controls: true });
    assert.throws(() => srv.block('pigeon', 'refuse'), TypeError);
    assert.throws(() => srv.block('sse', 'slow'), TypeError);
    assert.equal((await control(srv, 'block', { transport: 'pigeon', mode: 'hang' })).status, 400);
    assert.equal((await control(srv, 'block', { transport: 'sse', mode: 'slow' })).status, 400);
  });
});

describe('client to server, exactly once (client identities, sequence numbers, acknowledgements)', () => {
  test('Senders (pure): new numbers are accepted once, duplicates not; the least recently active identity is forgotten first', () => {
    const senders = new Senders();
    assert.equal(senders.lastSeq('a'), 0);
    assert.deepEqual([1, 2, 2, 1, 5, 3].map((seq) => senders.accept('a', seq)), [true, true, false, false, true, false]);
    assert.equal(senders.lastSeq('a'), 5);
    for (let i = 0; i < SENDERS_KEPT; i++) senders.accept('other' + i, 1);
    assert.equal(senders.lastSeq('a'), 0, 'forgotten');
    assert.equal(senders.lastSeq('other' + (SENDERS_KEPT - 1)), 1);
  });

  test('WebSocket: the open frame says how far the identity got; numbered frames reach onMessage once, acknowledged per burst', async (t) => {
    const got = [];
    const srv = await start(t, { onMessage: (data, info) => got.push([data, info.client, info.seq]) });
    const c = wsClient(wsUrl(srv, '?client=tab1'));
    await c.opened;
    await waitFor(() => c.frames.length === 1, 'open frame');
    assert.equal(c.frames[0].ack, 0);
    for (const seq of [1, 2, 2, 3]) c.ws.send(JSON.stringify({ seq, data: 'm' + seq }));
    c.ws.send(JSON.stringify({ client: 'tab2', seq: 7, data: 'for another tab' }));
    await waitFor(() => c.frames.some((f) => f.type === 'ack' && f.client === 'tab2'), 'acks');
    assert.deepEqual(got, [['m1', 'tab1', 1], ['m2', 'tab1', 2], ['m3', 'tab1', 3], ['for another tab', 'tab2', 7]]);
    const acks = c.frames.filter((f) => f.type === 'ack');
    assert.deepEqual(acks.at(-2), { type: 'ack', client: 'tab1', seq: 3 });
    assert.ok(acks.length <= 3, 'one acknowledgement per identity per burst, not one per frame: ' + acks.length);
    c.ws.close();
    // Back with the same identity: the open frame acknowledges what the server has; a resend is dropped.
    const again = wsClient(wsUrl(srv, '?client=tab1'));
    await waitFor(() => again.frames.length === 1, 'open frame');
    assert.equal(again.frames[0].ack, 3);
    again.ws.send(JSON.stringify({ seq: 3, data: 'm3' }));
    again.ws.send(JSON.stringify({ seq: 4, data: 'm4' }));
    await waitFor(() => again.frames.some((f) => f.type === 'ack' && f.seq === 4), 'ack of 4');
    assert.deepEqual(got.map(([data]) => data), ['m1', 'm2', 'm3', 'for another tab', 'm4']);
    // A frame that is not a numbered send breaks the protocol.
    again.ws.send('not json');
    assert.equal(await again.closed, 1008);
  });

  test('POST batches: exactly once across retries and identities, acknowledged in the answer', async (t) => {
    const got = [];
    const srv = await start(t, { controls: true, onMessage: (data, info) => got.push([data, info.client, info.seq]) });
    const post = (body, query = '?client=tab1') => request(`${srv.url}/send${query}`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
    // The frames a WebSocket carries; `client` defaults to the query's.
    const batch = JSON.stringify([{ seq: 1, data: 'a' }, { client: 'tab1', seq: 2, data: 'b' }, { client: 'tab2', seq: 4, data: 'x' }]);
    const first = await post(batch);
    assert.equal(first.status, 200);
    assert.deepEqual(JSON.parse(first.body), { acks: { tab1: 2, tab2: 4 } });
    // The same batch again (its answer was lost on the way): nothing twice, the same acknowledgements.
    assert.deepEqual(JSON.parse((await post(batch)).body), { acks: { tab1: 2, tab2: 4 } });
    await post(JSON.stringify([{ seq: 2, data: 'b' }, { seq: 3, data: 'c' }]));
    assert.deepEqual(got, [['a', 'tab1', 1], ['b', 'tab1', 2], ['x', 'tab2', 4], ['c', 'tab1', 3]]);
    const received = JSON.parse((await request(srv.url + '/_control/received')).body);
    assert.deepEqual(received.map((r) => [r.data, r.client, r.seq]), got);
    // What the open frame of a connection with the identity says.
    const s = openStream(srv.url + '/sse?client=tab1');
    await waitFor(() => sseEvents(s.text).length === 1, 'open');
    assert.equal(sseEvents(s.text)[0].frame.ack, 3);
    s.close();
    const [open] = JSON.parse((await request(srv.url + '/poll?client=tab2')).body);
    assert.equal(open.ack, 4);
    // Malformed batches.
    for (const body of ['not json', '{}', '[{"seq":0,"data":"a"}]', '[{"seq":1,"data":1}]', '[{"seq":1,"data":["a"]}]', '[{"client":"","seq":1,"data":"a"}]', '[null]']) {
      assert.equal((await post(body)).status, 400, body);
    }
    assert.equal(got.length, 4);
  });

  test('a connection without an identity gets no ack in its open frame (the protocol before acknowledgements)', async (t) => {
    const srv = await start(t);
    const [open] = JSON.parse((await request(srv.url + '/poll')).body);
    assert.equal('ack' in open, false);
  });
});

describe('lost messages (the lose fault) and prev', () => {
  test('every message names the one before it: null for the first, then the previous id', async (t) => {
    const srv = await start(t);
    const c = wsClient(wsUrl(srv));
    await c.opened;
    await waitFor(() => c.frames.length === 1, 'open frame');
    for (const data of ['a', 'b', 'c']) srv.publish(data);
    await waitFor(() => c.frames.length === 4, 'three messages');
    assert.deepEqual(c.frames.slice(1).map((f) => [f.id, f.prev]), [['1', null], ['2', '1'], ['3', '2']]);
  });

  test('lose(transport, n): the next n messages skip that transport only, and stay in the history for a resume', async (t) => {
    const srv = await start(t, { controls: true, pollTimeout: 5000 });
    const c = wsClient(wsUrl(srv));
    const sse = openStream(srv.url + '/sse');
    await c.opened;
    await waitFor(() => srv.connections().sse === 1 && c.frames.length === 1, 'both open');
    assert.equal((await control(srv, 'lose', { transport: 'websocket', count: 2 })).status, 204);
    for (const data of ['a', 'b', 'c', 'd']) srv.publish(data);
    await waitFor(() => c.frames.length === 3 && sseEvents(sse.text).length === 5, 'what got through');
    assert.deepEqual(c.frames.slice(1).map((f) => [f.id, f.prev]), [['3', '2'], ['4', '3']]);
    assert.deepEqual(sseEvents(sse.text).slice(1).map((e) => e.id), ['1', '2', '3', '4']);
    // A resume from before the hole fills it.
    const again = wsClient(wsUrl(srv, '?lastEventId=0'));
    await waitFor(() => again.frames.length === 5, 'the replay');
    assert.deepEqual(again.frames.slice(1).map((f) => f.id), ['1', '2', '3', '4']);
    again.ws.close();
    c.ws.close();
    sse.close();
  });

  test('lose on long polling drops from the front of an answer and always keeps its last message', async (t) => {
    const srv = await start(t, { pollTimeout: 5000 });
    const [open] = JSON.parse((await request(srv.url + '/poll')).body);
    srv.lose('longpoll', 5);
    for (const data of ['a', 'b', 'c']) srv.publish(data);
    const first = JSON.parse((await request(`${srv.url}/poll?session=${open.session}&lastEventId=0`)).body);
    assert.deepEqual(first.map((f) => f.id), ['3'], 'two lost, the last kept');
    srv.publish('d');
    const second = JSON.parse((await request(`${srv.url}/poll?session=${open.session}&lastEventId=3`)).body);
    assert.deepEqual(second.map((f) => f.id), ['4'], 'one answer of one message: nothing more to lose');
    srv.publish('e');
    srv.publish('f');
    const third = JSON.parse((await request(`${srv.url}/poll?session=${open.session}&lastEventId=4`)).body);
    assert.deepEqual(third.map((f) => [f.id, f.prev]), [['6', '5']], 'the debt of one more message is paid here');
  });

  test('the lose control checks its input', async (t) => {
    const srv = await start(t, { controls: true });
    assert.equal((await control(srv, 'lose', { transport: 'carrier-pigeon', count: 1 })).status, 400);
    assert.equal((await control(srv, 'lose', { transport: 'sse', count: -1 })).status, 400);
    assert.equal((await control(srv, 'lose', { transport: 'sse' })).status, 400);
    assert.throws(() => srv.lose('sse', 1.5), RangeError);
  });
});

describe('drop', () => {
  test('abruptly ends every live connection on every transport', async (t) => {
    const srv = await start(t, { controls: true, pollTimeout: 5000 });
    const sse = openStream(srv.url + '/sse');
    const stream = openStream(srv.url + '/stream');
    const c = wsClient(wsUrl(srv));
    const [open] = JSON.parse((await request(srv.url + '/poll')).body);
    const poll = openStream(`${srv.url}/poll?session=${open.session}`);
    await c.opened;
    await waitFor(() => Object.values(srv.connections()).every((n) => n === 1), 'one of each');
    assert.equal((await control(srv, 'drop')).status, 204);
    assert.deepEqual(srv.connections(), { websocket: 0, sse: 0, streaming: 0, longpoll: 0 });
    assert.equal(await c.closed, 1006); // no close handshake
    assert.equal(await sse.closed, false);
    assert.equal(await stream.closed, false);
    assert.equal(await poll.closed, false);
    assert.equal(poll.status, 0);
  });
});

describe('CORS', () => {
  test('preflight reflects the origin and the requested headers', async (t) => {
    const srv = await start(t);
    const res = await request(srv.url + '/poll', {
      method: 'OPTIONS',
      headers: { Origin: 'http://page.test:8000', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'last-event-id, authorization, x-anything' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], 'http://page.test:8000');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.equal(res.headers['access-control-allow-methods'], 'GET, POST, OPTIONS');
    assert.equal(res.headers['access-control-allow-headers'], 'last-event-id, authorization, x-anything');
    assert.equal(res.headers['access-control-max-age'], '600');
    assert.match(res.headers.vary, /Origin/);
    assert.equal(srv.stats.longpoll, 0, 'preflights are not counted');
  });

  test('every endpoint, the controls included, answers with CORS headers', async (t) => {
    const srv = await start(t, { controls: true });
    const headers = { Origin: 'http://other.test' };
    const answers = [await request(srv.url + '/poll', { headers }), await control(srv, 'publish', { data: 'x' }, headers), await request(srv.url + '/missing', { headers })];
    const s = openStream(srv.url + '/sse', headers);
    await s.answered;
    answers.push({ headers: s.headers });
    s.close();
    for (const res of answers) {
      assert.equal(res.headers['access-control-allow-origin'], 'http://other.test');
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
      assert.equal(res.headers['access-control-expose-headers'], 'Retry-After');
      assert.equal(res.headers.vary, 'Origin');
    }
    assert.equal((await request(srv.url + '/poll')).headers['access-control-allow-origin'], undefined);
  });

  test('an origin outside allowOrigins gets 403, on WebSocket too; listed and own origins pass', async (t) => {
    const srv = await start(t, { controls: true, allowOrigins: ['http://good.test'] });
    const evil = { Origin: 'http://evil.test' };
    assert.equal((await request(srv.url + '/poll', { headers: evil })).status, 403);
    assert.equal((await request(srv.url + '/poll', { method: 'OPTIONS', headers: evil })).status, 403);
    assert.equal((await control(srv, 'publish', { data: 'x' }, evil)).status, 403);
    await assert.rejects(wsClient(wsUrl(srv), { origin: 'http://evil.test' }).opened, { status: 403 });
    const good = await request(srv.url + '/poll', { headers: { Origin: 'http://good.test' } });
    assert.equal(good.status, 200);
    assert.equal(good.headers['access-control-allow-origin'], 'http://good.test');
    assert.equal((await request(srv.url + '/poll', { headers: { Origin: srv.url } })).status, 200);
    const c = wsClient(wsUrl(srv), { origin: 'http://good.test' });
    await c.opened;
    c.ws.close();
  });
});

describe('bad input', () => {
  test('malformed control bodies get 400, unknown controls 404, and the server keeps going', async (t) => {
    const srv = await start(t, { controls: true });
    assert.equal((await control(srv, 'publish', '{not json')).status, 400);
    assert.equal((await control(srv, 'publish', { event: 'no data' })).status, 400);
    assert.equal((await control(srv, 'publish', [{ data: 'ok' }, { data: 3 }])).status, 400);
    assert.equal(srv.publish('first after errors'), '1', 'a rejected batch publishes nothing');
    assert.equal((await control(srv, 'block', '')).status, 400);
    assert.equal((await control(srv, 'nope', {})).status, 404);
    assert.equal((await request(srv.url + '/_control/publish')).status, 405);
  });

  test('bodies over maxBodySize get 413, declared or chunked', async (t) => {
    const got = [];
    const srv = await start(t, { controls: true, maxBodySize: 1024, onMessage: (d) => got.push(d) });
    assert.equal((await request(srv.url + '/send', { method: 'POST', body: 'x'.repeat(1025) })).status, 413);
    assert.equal((await request(srv.url + '/send', { method: 'POST', body: 'x'.repeat(1024) })).status, 204);
    const chunked = await new Promise((resolve, reject) => {
      const req = http.request(srv.url + '/_control/publish', { method: 'POST', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.write('{"data":"' + 'y'.repeat(800));
      req.end('y'.repeat(800) + '"}');
    });
    assert.equal(chunked, 413);
    assert.equal(got.length, 1);
  });

  test('garbage requests, absolute-form targets and aborted bodies do not hurt the server', async (t) => {
    const srv = await start(t);
    const raw = (text) =>
      new Promise((resolve) => {
        const sock = net.connect(srv.port, '127.0.0.1', () => sock.end(text));
        let out = '';
        sock.on('data', (d) => (out += d));
        sock.on('error', () => {});
        sock.on('close', () => resolve(out));
      });
    assert.match(await raw('GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400/);
    assert.match(await raw('GET http://elsewhere/poll HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 400/);
    // A body cut off midway.
    await new Promise((resolve) => {
      const req = http.request(srv.url + '/send', { method: 'POST', agent: false, headers: { 'Content-Length': '100' } });
      req.on('error', () => {});
      req.write('partial');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    assert.equal((await request(srv.url + '/poll')).status, 200);
  });
});

describe('heartbeat', () => {
  test('idle connections get ping frames every `heartbeat` ms', async (t) => {
    const srv = await start(t, { heartbeat: 100 });
    const s = openStream(srv.url + '/stream');
    const e = openStream(srv.url + '/sse');
    const c = wsClient(wsUrl(srv));
    await waitFor(() => streamFrames(s.text).filter((f) => f.type === 'ping').length >= 2, 'two stream pings');
    await waitFor(() => sseEvents(e.text).filter((x) => x.frame.type === 'ping').length >= 2, 'two sse pings');
    await waitFor(() => c.frames.filter((f) => f.type === 'ping').length >= 2, 'two ws pings');
    assert.equal(streamFrames(s.text)[0].heartbeat, 100);
    assert.ok(e.text.includes('\ndata: {"type":"ping"}\n\n'));
    s.close();
    e.close();
    c.ws.close();
  });
});

describe('static files', () => {
  test('serves files with content types, index.html for /, mounts, and no traversal', async (t) => {
    // static/ and mount/ side by side in a private folder, with a file next to them that must stay out of reach.
    const top = await mkdtemp(path.join(tmpdir(), 'pushline-files-'));
    t.after(() => rm(top, { recursive: true, force: true }));
    const dir = path.join(top, 'static');
    const other = path.join(top, 'mount');
    await mkdir(path.join(dir, 'sub'), { recursive: true });
    await mkdir(other);
    await writeFile(path.join(dir, 'index.html'), '<h1>hi</h1>');
    await writeFile(path.join(dir, 'sub', 'app.mjs'), 'export {};');
    await writeFile(path.join(dir, 'a.css'), 'b{}');
    await writeFile(path.join(dir, 'x.map'), '{}');
    await writeFile(path.join(other, 'bundle.js'), 'var x;');
    await writeFile(path.join(top, 'pushline-secret.txt'), 'secret');
    const srv = await start(t, { static: dir, mounts: { '/dist': other } });
    const get = (p) => request(srv.url + p);
    const index = await get('/');
    assert.deepEqual([index.status, index.headers['content-type'], index.body], [200, 'text/html; charset=utf-8', '<h1>hi</h1>']);
    assert.equal((await get('/sub/app.mjs')).headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal((await get('/a.css')).headers['content-type'], 'text/css; charset=utf-8');
    assert.match((await get('/x.map')).headers['content-type'], /^application\/json/);
    const bundle = await get('/dist/bundle.js');
    assert.deepEqual([bundle.status, bundle.body], [200, 'var x;']);
    for (const p of ['/missing.js', '/..%2fpushline-secret.txt', '/%2e%2e/pushline-secret.txt', '/sub/..%5c..%5cpushline-secret.txt', '/dist/..%2f..%2fpushline-secret.txt', '/%E0%A4%A']) {
      const res = await get(p);
      assert.equal(res.status, 404, p);
      assert.ok(!res.body.includes('secret'));
    }
    assert.equal((await request(srv.url + '/index.html', { method: 'HEAD' })).headers['content-length'], '11');
  });
});

describe('mounted at a path (the path option)', () => {
  test('the four transports and /send live under the path; srv.endpoint is url + path; the root keeps the static files and the controls', async (t) => {
    const top = await mkdtemp(path.join(tmpdir(), 'pushline-path-'));
    t.after(() => rm(top, { recursive: true, force: true }));
    await writeFile(path.join(top, 'index.html'), '<h1>root</h1>');
    const received = [];
    const srv = await start(t, { path: '/realtime', static: top, controls: true, pollTimeout: 5000, onMessage: (data, info) => received.push([data, info.transport]) });
    assert.equal(srv.endpoint, srv.url + '/realtime');
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+$/);

    // Every transport answers under the endpoint, with the same channel behind it.
    const id = srv.publish('before');
    const c = wsClient(srv.endpoint.replace('http', 'ws') + '/ws?lastEventId=0');
    t.after(() => c.ws.terminate());
    await c.opened;
    const sse = openStream(srv.endpoint + '/sse?lastEventId=0');
    t.after(() => sse.close());
    const stream = openStream(srv.endpoint + '/stream?lastEventId=0');
    t.after(() => stream.close());
    assert.deepEqual([await sse.answered, await stream.answered], [200, 200]);
    const [open, replayed] = JSON.parse((await request(srv.endpoint + '/poll?lastEventId=0')).body);
    assert.deepEqual([open.type, replayed.id, replayed.data], ['open', id, 'before']);
    await waitFor(() => c.frames.length === 2 && sseEvents(sse.text).length === 2 && streamFrames(stream.text).length === 2, 'the replay on the live transports');
    assert.deepEqual([c.frames[1].id, sseEvents(sse.text)[1].id, streamFrames(stream.text)[1].id], [id, id, id]);
    assert.equal((await request(srv.endpoint + '/send?session=' + open.session, { method: 'POST', body: 'hi' })).status, 204);
    assert.deepEqual(received, [['hi', 'longpoll']]);
    assert.deepEqual(srv.stats, { websocket: 1, sse: 1, streaming: 1, longpoll: 1, send: 1 });

    // At the root the endpoint paths are ordinary (missing) files, the WebSocket upgrade too.
    for (const p of ['/ws', '/sse', '/stream', '/poll']) assert.equal((await request(srv.url + p)).status, 404, p);
    assert.equal((await request(srv.url + '/send', { method: 'POST', body: 'x' })).status, 404);
    const rootWs = wsClient(wsUrl(srv));
    await assert.rejects(rootWs.opened, { status: 404 });
    // Neither is a path that merely starts with the mount path, nor the mount path itself.
    for (const p of ['/realtimeX/poll', '/realtime', '/realtime/', '/realtime/realtime/poll']) assert.equal((await request(srv.url + p)).status, 404, p);
    assert.deepEqual(srv.stats, { websocket: 1, sse: 1, streaming: 1, longpoll: 1, send: 1 });

    // Static files and the controls stay at the root.
    assert.equal((await request(srv.url + '/')).body, '<h1>root</h1>');
    const published = await control(srv, 'publish', { data: 'via control' });
    assert.equal(published.status, 200);
    assert.equal((await request(srv.endpoint + '/_control/stats')).status, 404);
  });

  test('a trailing slash is dropped and "/" means the root; without the option the endpoint is the origin', async (t) => {
    const slashed = await start(t, { path: '/a/b/' });
    assert.equal(slashed.endpoint, slashed.url + '/a/b');
    assert.equal(JSON.parse((await request(slashed.url + '/a/b/poll')).body)[0].type, 'open');
    const root = await start(t, { path: '/' });
    assert.equal(root.endpoint, root.url);
    const plain = await start(t);
    assert.equal(plain.endpoint, plain.url);
    assert.equal(JSON.parse((await request(plain.url + '/poll')).body)[0].type, 'open');
  });

  test('refuses what is not a plain URL path, naming the option', async () => {
    for (const bad of ['realtime', '', '//evil.test/x', '/a?b=1', '/a#b', '/a/../b', '/./a', '/with space', '/é', 42, null]) {
      await assert.rejects(createServer({ port: 0, path: bad }), { name: 'TypeError', message: /^path must be/ }, JSON.stringify(bad));
    }
  });
});

describe('bundles option', () => {
  test('serves the top-level pushline* files of dist/ at the root; a static file of the same name wins; off by default', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pushline-bundles-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'pushline.full.min.js'), '/* the page ships its own copy */');
    const srv = await start(t, { static: dir, bundles: true });
    for (const name of ['pushline.min.js', 'pushline.js', 'pushline.mjs', 'pushline.d.ts', 'pushline-nchan.mjs', 'pushline.min.js.map']) {
      const res = await request(srv.url + '/' + name);
      assert.equal(res.status, 200, name);
      assert.equal(res.body, await readFile(path.join(DIST, name), 'utf8'), name);
    }
    // pushline.mjs imports its chunks by relative name: they are beside it.
    const chunks = (await readdir(DIST)).filter((f) => /^pushline-.*\.mjs$/.test(f));
    for (const chunk of chunks) assert.equal((await request(srv.url + '/' + chunk)).status, 200, chunk);
    assert.equal((await request(srv.url + '/pushline.min.js')).headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal((await request(srv.url + '/pushline.full.min.js')).body, '/* the page ships its own copy */');
    // Only the bundles: nothing else of dist/, and no way out of it.
    for (const p of ['/server/cli.js', '/server/index.js', '/pushline', '/pushline/../server/cli.js', '/pushline..%2fserver%2fcli.js', '/sub/pushline.min.js']) {
      assert.equal((await request(srv.url + p)).status, 404, p);
    }
    const without = await start(t, { static: dir });
    assert.equal((await request(without.url + '/pushline.min.js')).status, 404);
    await assert.rejects(createServer({ port: 0, bundles: 'yes' }), { name: 'TypeError', message: /^bundles must be true or false/ });
  });

  test('works with a path and without a static folder', async (t) => {
    const srv = await start(t, { path: '/realtime', bundles: true });
    assert.equal((await request(srv.url + '/pushline.min.js')).status, 200);
    assert.equal((await request(srv.url + '/')).status, 404);
  });
});

describe('static option', () => {
  test('must name an existing folder: a mistyped one is refused at start instead of serving 404s', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pushline-static-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'file.txt');
    await writeFile(file, 'x');
    await assert.rejects(createServer({ port: 0, static: path.join(dir, 'missing') }), { name: 'TypeError', message: /^static: no such folder: / });
    await assert.rejects(createServer({ port: 0, static: file }), { name: 'TypeError', message: /^static: not a folder: / });
    await assert.rejects(createServer({ port: 0, static: 42 }), { name: 'TypeError', message: /^static must be the path of a folder/ });
  });
});

describe('close', () => {
  test('ends live connections and stops listening without waiting for clients', async (t) => {
    const srv = await start(t, { pollTimeout: 60000 });
    const s = openStream(srv.url + '/stream');
    const c = wsClient(wsUrl(srv));
    const poll = openStream(`${srv.url}/poll?session=s1`);
    await c.opened;
    await waitFor(() => srv.connections().longpoll === 1 && srv.connections().streaming === 1, 'connections');
    await srv.close();
    assert.equal(await c.closed, 1001);
    await s.closed;
    assert.equal(await poll.closed, false);
    await assert.rejects(request(srv.url + '/poll'), { code: 'ECONNREFUSED' });
  });
});

describe('test controls', () => {
  const ROUTES = ['publish', 'drop', 'block', 'received', 'stats'];

  for (const options of [{}, { controls: false }]) {
    test(`absent with ${JSON.stringify(options)}: every control path answers like an unknown path, GET and POST`, async (t) => {
      const srv = await start(t, { pollTimeout: 5000, ...options });
      const headers = { Origin: 'http://page.test' };
      for (const method of ['GET', 'POST']) {
        const unknown = await request(srv.url + '/_nothing/here', { method, headers, body: method === 'POST' ? '{}' : undefined });
        assert.equal(unknown.status, 404);
        for (const name of [...ROUTES, 'nope', '']) {
          const body = name === 'publish' ? '{"data":"x"}' : name === 'block' ? '{"transport":"websocket","mode":"refuse"}' : '{}';
          const res = await request(srv.url + '/_control/' + name, { method, headers, body: method === 'POST' ? body : undefined });
          const what = `${method} /_control/${name}`;
          assert.equal(res.status, 404, what);
          assert.equal(res.body, unknown.body, what);
          assert.deepEqual(
            [res.headers['content-type'], res.headers['access-control-allow-origin']],
            [unknown.headers['content-type'], unknown.headers['access-control-allow-origin']],
            what,
          );
        }
      }
      // Nothing was published, dropped or blocked; the in-process API is still there.
      assert.equal(srv.publish('first'), '1');
      const c = wsClient(wsUrl(srv));
      await c.opened;
      srv.block('sse', 'refuse');
      assert.equal((await request(srv.url + '/sse')).status, 502);
      srv.drop();
      assert.equal(await c.closed, 1006);
    });
  }

  test('present with controls: true: each route answers', async (t) => {
    const srv = await start(t, { controls: true, pollTimeout: 5000 });
    const post = (name, body) => control(srv, name, body);
    const published = await post('publish', { data: 'x' });
    assert.deepEqual([published.status, JSON.parse(published.body)], [200, { id: '1' }]);
    assert.equal((await post('block', { transport: 'sse', mode: 'refuse' })).status, 204);
    assert.equal((await request(srv.url + '/sse')).status, 502);
    assert.equal((await post('block', { transport: 'sse', mode: null })).status, 204);
    const c = wsClient(wsUrl(srv));
    await c.opened;
    assert.equal((await post('drop')).status, 204);
    assert.equal(await c.closed, 1006);
    assert.equal((await request(srv.url + '/send', { method: 'POST', body: 'hi' })).status, 204);
    const received = await request(srv.url + '/_control/received');
    assert.deepEqual([received.status, JSON.parse(received.body)], [200, [{ data: 'hi', transport: null, session: null, client: null, seq: null }]]);
    const stats = await request(srv.url + '/_control/stats');
    assert.equal(stats.status, 200);
    assert.deepEqual(JSON.parse(stats.body), { requests: { websocket: 1, sse: 1, streaming: 0, longpoll: 0, send: 1 }, connections: { websocket: 0, sse: 0, streaming: 0, longpoll: 0 } });
  });

  test('the option must be a boolean', async () => {
    await assert.rejects(createServer({ controls: 'yes' }), { name: 'TypeError', message: /controls/ });
  });
});

describe('retry option', () => {
  test('is announced in open frames and as the SSE retry field', async (t) => {
    const srv = await start(t, { retry: 2500 });
    const s = openStream(srv.url + '/sse');
    t.after(() => s.req.destroy());
    await s.answered;
    await waitFor(() => s.text.includes('"type":"open"'), 'the open frame');
    assert.match(s.text, /^: pushline\n\nretry: 2500\n\n/);
    assert.match(s.text, /"retry":2500/);
    const poll = await request(srv.url + '/poll');
    assert.equal(JSON.parse(poll.body)[0].retry, 2500);
  });

  test('is absent by default', async (t) => {
    const srv = await start(t);
    const poll = await request(srv.url + '/poll');
    assert.equal('retry' in JSON.parse(poll.body)[0], false);
  });
});

describe('option checks', () => {
  /** createServer(options) must reject with a RangeError that names `name`. */
  const refuses = (name, options) => assert.rejects(createServer({ port: 0, ...options }), { name: 'RangeError', message: new RegExp(`^${name} must be`) }, JSON.stringify(options));

  test('heartbeat: 0 turns pings off; negative, non-finite, non-number and timer-overflowing values are refused', async (t) => {
    const srv = await start(t, { heartbeat: 0 });
    const [open] = JSON.parse((await request(srv.url + '/poll')).body);
    assert.equal(open.type, 'open');
    const s = openStream(srv.url + '/stream');
    t.after(() => s.close());
    await waitFor(() => streamFrames(s.text).length === 1, 'the open frame');
    assert.equal(streamFrames(s.text)[0].heartbeat, 0);
    for (const heartbeat of [-1, NaN, Infinity, '100', 2 ** 31]) await refuses('heartbeat', { heartbeat });
  });

  test('pollTimeout must be at least 1 ms (and fit a timer)', async (t) => {
    for (const pollTimeout of [0, 0.5, -5, NaN, '25000', 2 ** 31]) await refuses('pollTimeout', { pollTimeout });
    const srv = await start(t, { pollTimeout: 1 });
    const [open] = JSON.parse((await request(srv.url + '/poll')).body);
    assert.deepEqual(JSON.parse((await request(`${srv.url}/poll?session=${open.session}`)).body), [{ type: 'ping' }]);
  });

  test('maxBodySize is a whole number of bytes from 1 to 2^31 - 1 (the WebSocket limit too)', async (t) => {
    for (const maxBodySize of [0, -1, 1.5, NaN, '1024', 2 ** 31]) await refuses('maxBodySize', { maxBodySize });
    const srv = await start(t, { maxBodySize: 1 });
    assert.equal((await request(srv.url + '/send', { method: 'POST', body: 'x' })).status, 204);
    assert.equal((await request(srv.url + '/send', { method: 'POST', body: 'xy' })).status, 413);
  });

  test('port, history and retry must be whole numbers in range', async () => {
    for (const port of [-1, 65536, 1.5, '80']) await refuses('port', { port });
    for (const history of [-1, 1.5, NaN, '10']) await refuses('history', { history });
    for (const retry of [-1, 2.5, NaN, '3000', 2 ** 31]) await refuses('retry', { retry });
    await assert.rejects(createServer({ allowOrigins: 'http://a.test' }), TypeError);
  });
});
