// The pushpin example origin (examples/pushpin/origin.mjs) on its own, without pushpin: the GRIP
// instructions it answers with, what it publishes, its answers to pushpin's recoveries, the
// WebSocket-over-HTTP events, and every refusal. A stand-in for pushpin's publish API records
// what the origin publishes (the real pushpin is in test/pushpin/, npm run test:pushpin).
// Needs `npm run build` (the origin uses dist/server/). Run: node --test test/node/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createPushpinOrigin } from '../../examples/pushpin/origin.mjs';
import { closeContent, gripLastIds, keepAliveHeader, parseWebSocketEvents, webSocketEvent } from '../../examples/pushpin/grip.mjs';

/** Records the bodies POSTed to /publish/, answering like pushpin ("Published"). */
async function publishApi() {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ url: req.url, body: JSON.parse(body) });
      res.end('Published\n');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

let api;
let origin;
before(async () => {
  api = await publishApi();
  origin = await createPushpinOrigin({ publishUrl: api.url, history: 5, heartbeat: 15000, pollTimeout: 25000, recheck: 7 });
});
after(async () => {
  await origin.close();
  await api.close();
});

const get = (path, headers = {}) => fetch(origin.url + path, { headers });
const wsPost = (body, headers = {}) =>
  fetch(origin.url + '/ws?lastEventId=0', {
    method: 'POST',
    headers: { 'Content-Type': 'application/websocket-events', 'Connection-Id': 'c1', ...headers },
    body,
  });

test('grip.mjs: WebSocket-over-HTTP events both ways, Grip-Last, the cstring keep-alive', () => {
  const body = Buffer.concat([webSocketEvent('OPEN'), webSocketEvent('TEXT', 'héllo'), webSocketEvent('CLOSE', closeContent(1000, 'bye'))]);
  const events = parseWebSocketEvents(body);
  assert.deepEqual(
    events.map((e) => e.type),
    ['OPEN', 'TEXT', 'CLOSE'],
  );
  assert.equal(events[1].content.toString('utf8'), 'héllo');
  assert.equal(events[2].content.readUInt16BE(0), 1000);
  assert.equal(events[2].content.subarray(2).toString(), 'bye');
  assert.throws(() => parseWebSocketEvents(Buffer.from('TEXT 10\r\nshort\r\n')), /bad content length/);
  assert.throws(() => parseWebSocketEvents(Buffer.from('OPEN')), /without CRLF/);
  assert.deepEqual([...gripLastIds('pushline.sse; last-id=4, other; last-id=9')], [['pushline.sse', '4'], ['other', '9']]);
  assert.deepEqual([...gripLastIds(undefined)], []);
  assert.equal(keepAliveHeader('a "b";\n', 3), 'a\\x20\\x22b\\x22\\x3b\\x0a; format=cstring; timeout=3');
});

test('publish: one item per transport channel with id and prev-id, in order; the frames name their predecessor', async () => {
  const sent = api.requests.length;
  const [first, second] = [await origin.publish('one'), await origin.publish('two', { event: 'chat' })];
  const items = api.requests.slice(sent).flatMap((r) => r.body.items);
  assert.deepEqual(
    items.map((i) => [i.channel, i.id, i['prev-id']]),
    [
      ['pushline.ws', first, '0'],
      ['pushline.sse', first, '0'],
      ['pushline.poll', first, '0'],
      ['pushline.ws', second, first],
      ['pushline.sse', second, first],
      ['pushline.poll', second, first],
    ],
  );
  assert.deepEqual(items[3].formats, { 'ws-message': { content: `{"id":"${second}","prev":"${first}","event":"chat","data":"two"}` } });
  assert.equal(items[4].formats['http-stream'].content, `id: ${second}\ndata: {"id":"${second}","prev":"${first}","event":"chat","data":"two"}\n\n`);
  assert.equal(items[5].formats['http-response'].body, `[{"id":"${second}","prev":"${first}","event":"chat","data":"two"}]`);
  assert.equal(JSON.parse(items[0].formats['ws-message'].content).prev, null, 'the first frame names no predecessor');
});

test('sse: open frame and replay, held on its channel at the newest id, with a next link and a keep-alive', async () => {
  const res = await get('/sse?lastEventId=1');
  assert.equal(res.headers.get('grip-hold'), 'stream');
  assert.equal(res.headers.get('grip-channel'), `pushline.sse; prev-id=${origin.position()}`);
  assert.equal(res.headers.get('grip-link'), '<?grip-next=1>; rel=next; timeout=7');
  assert.match(res.headers.get('grip-keep-alive'), /^data\\x3a\\x20\\x7b.*\\x0a\\x0a; format=cstring; timeout=15$/);
  const body = await res.text();
  assert.match(body, /^: pushline\n\ndata: \{"type":"open","session":"s\d+","resumed":true,"last":"2","heartbeat":15000\}\n\nid: 2\n/);
});

test('streaming: a delimiter of its own gets a channel of its own; invalid or too many delimiters: 400', async () => {
  const res = await get('/stream?delimiter=' + encodeURIComponent('ENDx'));
  const channel = `pushline.stream.${Buffer.from('ENDx').toString('base64url')}`;
  assert.equal(res.headers.get('grip-channel'), `${channel}; prev-id=${origin.position()}`);
  assert.equal(res.headers.get('grip-link'), '<?grip-next=1&delimiter=ENDx>; rel=next; timeout=7');
  assert.equal((await res.text()).slice(2048, 2052), 'ENDx');
  const sent = api.requests.length;
  await origin.publish('x');
  assert.ok(api.requests.slice(sent).some((r) => r.body.items.some((i) => i.channel === channel && i.formats['http-stream'].content.endsWith('ENDx'))));

  assert.equal((await get('/stream?delimiter=' + encodeURIComponent('"'))).status, 400);
  for (let i = 0; origin.delimiters.size < 16; i++) await (await get('/stream?delimiter=' + encodeURIComponent(`d${i}x`))).text();
  const tooMany = await get('/stream?delimiter=' + encodeURIComponent('oneMorex'));
  assert.equal(tooMany.status, 400);
  assert.match(await tooMany.text(), /too many streaming delimiters/);
});

test('next link: what the stream missed after Grip-Last, held again; a hole older than the history ends the stream', async () => {
  const newest = origin.position();
  const previous = String(Number(newest) - 1);
  const res = await get('/sse?grip-next=1', { 'Grip-Last': `pushline.sse; last-id=${previous}` });
  assert.equal(res.headers.get('grip-hold'), 'stream');
  assert.equal(res.headers.get('grip-channel'), `pushline.sse; prev-id=${newest}`);
  assert.equal(await res.text(), (await (await get('/sse?lastEventId=' + previous)).text()).split('\n\n').slice(2).join('\n\n'));
  for (let i = 0; i < 6; i++) await origin.publish('push the hole out ' + i);
  const gone = await get('/sse?grip-next=1', { 'Grip-Last': `pushline.sse; last-id=${previous}` });
  assert.equal(gone.headers.get('grip-hold'), null, 'no hold: pushpin ends the stream, the client reconnects and hears gap');
  assert.equal(gone.headers.get('grip-link'), null);
  assert.equal(await gone.text(), '');
});

test('long polling: handshake at once; a poll with nothing new held on the poll channel; a retried poll answered from the history', async () => {
  const handshake = await (await get('/poll')).json();
  assert.equal(handshake[0].type, 'open');
  const newest = origin.position();
  const held = await get(`/poll?session=${handshake[0].session}&lastEventId=${newest}`);
  assert.equal(held.headers.get('grip-hold'), 'response');
  assert.equal(held.headers.get('grip-channel'), `pushline.poll; prev-id=${newest}`);
  assert.equal(held.headers.get('grip-timeout'), '25');
  assert.equal(await held.text(), '[{"type":"ping"}]');
  const retries = origin.stats.pollRetries;
  const previous = String(Number(newest) - 1);
  const retried = await get(`/poll?session=${handshake[0].session}&lastEventId=${previous}`, { 'Grip-Last': `pushline.poll; last-id=${previous}` });
  assert.equal(retried.headers.get('grip-hold'), null);
  assert.deepEqual((await retried.json()).map((f) => f.id), [newest]);
  assert.equal(origin.stats.pollRetries, retries + 1);
  const gap = await (await get(`/poll?session=${handshake[0].session}&lastEventId=1`)).json();
  assert.deepEqual([gap[0].type, gap[0].gap], ['open', true]);
});

test('WebSocket-over-HTTP: OPEN subscribes and replays; client messages reach onMessage; CLOSE is answered; refusals', async () => {
  const open = await wsPost(webSocketEvent('OPEN'));
  assert.equal(open.headers.get('content-type'), 'application/websocket-events');
  assert.equal(open.headers.get('sec-websocket-extensions'), 'grip; message-prefix=""');
  assert.equal(open.headers.get('keep-alive-interval'), '20', 'pushpin raises anything under 20');
  const events = parseWebSocketEvents(Buffer.from(await open.arrayBuffer()));
  assert.equal(events[0].type, 'OPEN');
  assert.deepEqual(JSON.parse(events[1].content.toString().slice(2)), { type: 'subscribe', channel: 'pushline.ws' });
  assert.equal(JSON.parse(events[2].content.toString().slice(2)).type, 'keep-alive');
  assert.equal(JSON.parse(events[3].content.toString()).type, 'open');

  const text = await wsPost(webSocketEvent('TEXT', 'hi from a socket'));
  assert.equal(text.status, 200);
  assert.deepEqual(origin.received.at(-1), { data: 'hi from a socket', transport: 'websocket', session: JSON.parse(events[3].content.toString()).session });

  // A keep-alive request (no events) after a publish: the newest message, once.
  const id = await origin.publish('while the socket was quiet');
  const check = parseWebSocketEvents(Buffer.from(await (await wsPost('')).arrayBuffer()));
  assert.deepEqual(check.map((e) => JSON.parse(e.content.toString()).id), [id]);
  assert.deepEqual(parseWebSocketEvents(Buffer.from(await (await wsPost('')).arrayBuffer())), []);

  const close = parseWebSocketEvents(Buffer.from(await (await wsPost(webSocketEvent('CLOSE', closeContent(1000)))).arrayBuffer()));
  assert.equal(close[0].type, 'CLOSE');
  assert.equal(origin.webSockets.has('c1'), false);

  assert.equal((await wsPost('TEXT 99\r\nx\r\n')).status, 400, 'malformed events');
  assert.equal((await wsPost(webSocketEvent('OPEN'), { 'Connection-Id': '' })).status, 400, 'no Connection-Id');
  assert.equal((await get('/ws')).status, 400, 'a plain GET (not through pushpin)');
});

test('send: 204; missing body 400; too large 413', async () => {
  const post = (body) => fetch(origin.url + '/send?session=s1', { method: 'POST', body });
  assert.equal((await post('hello')).status, 204);
  assert.equal(origin.received.at(-1).data, 'hello');
  assert.equal((await post('')).status, 400);
  assert.equal((await post('x'.repeat((1 << 20) + 1))).status, 413);
});

test('CORS: preflights granted, the page origin reflected on every answer', async () => {
  const pre = await fetch(origin.url + '/stream', { method: 'OPTIONS', headers: { Origin: 'http://page.example', 'Access-Control-Request-Headers': 'last-event-id' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-headers'), 'last-event-id');
  const res = await get('/poll', { Origin: 'http://page.example' });
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://page.example');
  await res.text();
});

test('publish when pushpin is unreachable: rejects, the message stays in the history for resumes', async () => {
  const lonely = await createPushpinOrigin({ publishUrl: 'http://127.0.0.1:1' });
  try {
    await assert.rejects(lonely.publish('nobody hears this'));
    const replay = await (await fetch(lonely.url + '/poll?lastEventId=0')).json();
    assert.deepEqual(replay.slice(1).map((f) => f.data), ['nobody hears this']);
  } finally {
    await lonely.close();
  }
});

test('reliable: false: no prev-id, no next link, items without ids (plain GRIP)', async () => {
  origin.reliable = false;
  try {
    const res = await get('/sse');
    assert.equal(res.headers.get('grip-channel'), 'pushline.sse');
    assert.equal(res.headers.get('grip-link'), null);
    await res.text();
    const sent = api.requests.length;
    await origin.publish('plain');
    for (const item of api.requests.slice(sent).flatMap((r) => r.body.items)) {
      assert.equal(item.id, undefined);
      assert.equal(item['prev-id'], undefined);
    }
  } finally {
    origin.reliable = true;
  }
});
