/**
 * Fallback between transports when a site disables a subscriber type: each transport in its own
 * nchan location (/ws, /sse, /stream, /poll), which the test makes answer 502 like a proxy that
 * refuses it. Also: keep-alives of an idle connection, SSE event names, WebSocket publishing.
 */
import { expect } from 'chai';
import { createClient } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import { connectNchan, nchan, type NchanOptions } from '../../src/profiles/nchan.js';
import type { FallbackEvent, OpenEvent, TransportName } from '../../src/types.js';
import { ALL, ENGINE, LOCATION, audit, channel, collect, disable, drop, next, publish, sleep, subUrl, waitFor } from './helpers.js';

/** Client options with each transport at its own location of node m. */
function split(ch: string, extra?: NchanOptions): NchanOptions {
  const endpoints: NchanOptions['endpoints'] = {};
  for (const t of ALL) endpoints[t] = subUrl('m', ch, LOCATION[t]);
  return { endpoints, reconnect: { initialDelay: 50, maxDelay: 200 }, connectTimeout: 3000, pollSettle: 300, ...extra };
}

describe('nchan: fallback when a location is disabled', function () {
  this.timeout(60000);
  let client: Client | null = null;
  afterEach(async () => {
    client?.close();
    for (const t of ALL) await disable('m', t, false);
  });

  for (let n = 1; n < ALL.length; n++) {
    const off = ALL.slice(0, n);
    const expected = ALL[n];
    it(`${off.join(' + ')} refused (502): opens on ${expected}, fallback events say why, messages flow`, async () => {
      for (const t of off) await disable('m', t, true);
      const ch = channel('fb');
      client = createClient(subUrl('m', ch), nchan(subUrl('m', ch), split(ch)));
      const fallbacks: FallbackEvent[] = [];
      client.on('fallback', (e) => fallbacks.push(e));
      const got = collect(client);
      const open = await next<OpenEvent>(client, 'open');
      expect(open.transport).to.equal(expected);
      expect(fallbacks.map((f) => [f.transport, f.reason])).to.deep.equal(off.map((t) => [t, 'refused']));
      const ids = await publish('m', ch, ['one', 'two']);
      await waitFor(() => got.length >= 2, 'messages');
      expect(got.map((m) => m.id)).to.deep.equal(ids);
    });
  }

  it('mid-stream: websocket is disabled and the connection cut; the client resumes on sse without loss', async () => {
    const ch = channel('fbmid');
    client = createClient(subUrl('m', ch), nchan(subUrl('m', ch), split(ch)));
    const got = collect(client);
    const opens: OpenEvent[] = [];
    client.on('open', (e) => opens.push(e));
    await next<OpenEvent>(client, 'open');
    expect(client.transport).to.equal('websocket');
    const first = await publish('m', ch, ['a', 'b', 'c']);
    await waitFor(() => got.length >= 3, 'first messages');
    await disable('m', 'websocket', true);
    await drop();
    const during = await publish('m', ch, ['d', 'e']); // while the client is away
    await waitFor(() => opens.length >= 2, 'a second open');
    const after = await publish('m', ch, ['f']);
    await waitFor(() => got.length >= 6, 'all messages');
    await sleep(50);
    expect(opens[1]).to.deep.equal({ transport: 'sse', resumed: true });
    expect(audit([...first, ...during, ...after], got.map((m) => m.id))).to.deep.equal({ lost: 0, duplicated: 0, inOrder: true });
  });

  it('every location refused: the round fails and the client keeps retrying until one comes back', async () => {
    for (const t of ALL) await disable('m', t, true);
    const ch = channel('fball');
    client = createClient(subUrl('m', ch), nchan(subUrl('m', ch), split(ch)));
    const fallbacks: FallbackEvent[] = [];
    client.on('fallback', (e) => fallbacks.push(e));
    await waitFor(() => fallbacks.some((f) => f.next === null), 'a failed round');
    await disable('m', 'sse', false);
    const open = await next<OpenEvent>(client, 'open', 15000);
    expect(open.transport).to.equal('sse');
  });
});

describe('nchan: keep-alives, event names, WebSocket publishing', function () {
  this.timeout(60000);
  let client: Client | null = null;
  afterEach(() => client?.close());

  // /idle/: nchan_subscriber_timeout 3s, SSE pings every second (data "keepalive"), WebSocket
  // PING -> PONG. With heartbeatTimeout 4000, an idle connection must never be taken for muted.
  for (const t of ALL) {
    it(`${t}: an idle channel with nchan keep-alives and subscriber timeouts: never muted, nothing lost`, async () => {
      const ch = channel('idle');
      const url = subUrl('m', ch, 'idle');
      client = connectNchan(url, {
        transports: [t],
        heartbeatTimeout: 4000,
        websocketHeartbeat: { send: 'PING', reply: 'PONG', interval: 1000 },
        reconnect: { initialDelay: 50, maxDelay: 200 },
        pollSettle: 300,
      });
      const reasons: string[] = [];
      client.on('reconnecting', (e) => reasons.push(e.error.code + ':' + e.error.message));
      const got = collect(client);
      await next(client, 'open');
      const ids = await publish('m', ch, ['before']);
      await sleep(5000);
      ids.push(...(await publish('m', ch, ['after'])));
      await waitFor(() => got.length >= 2, 'both messages');
      console.log(`NCHAN-IDLE ${ENGINE} ${t}: reconnections in 5 s idle: ${reasons.length} (${[...new Set(reasons.map((r) => r.split(':')[0]))].join(',') || 'none'})`);
      expect(reasons.filter((r) => r.startsWith('muted'))).to.deep.equal([]);
      expect(got.map((m) => m.id)).to.deep.equal(ids);
    });
  }

  it('sse: named events (X-EventSource-Event) arrive when listed in sseEvents; websocket gets them anyway', async () => {
    const ch = channel('ev');
    const sse = connectNchan(subUrl('m', ch), { transports: ['sse'], sseEvents: ['chat'] });
    const ws = connectNchan(subUrl('m', ch), { transports: ['websocket'] });
    client = sse;
    try {
      const gotSse = collect(sse);
      const gotWs = collect(ws);
      await Promise.all([next(sse, 'open'), next(ws, 'open')]);
      const ids = [...(await publish('m', ch, ['plain'])), ...(await publish('m', ch, ['named'], 'chat'))];
      await waitFor(() => gotSse.length >= 2 && gotWs.length >= 2, 'both messages on both');
      for (const got of [gotSse, gotWs]) {
        expect(got.map((m) => [m.id, m.data, m.event])).to.deep.equal([
          [ids[0], 'plain', 'message'],
          [ids[1], 'named', 'message'],
        ]);
      }
    } finally {
      ws.close();
    }
  });

  it('websocket on an nchan_pubsub location: send() publishes over the socket (websocketPublish)', async () => {
    const ch = channel('pubsub');
    client = connectNchan(subUrl('m', ch, 'pubsub'), { transports: ['websocket'], websocketPublish: true });
    const got = collect(client);
    await next(client, 'open');
    client.send('over the socket');
    await waitFor(() => got.length >= 1, 'the echo from the channel');
    expect(got[0].data).to.equal('over the socket');
    expect(got[0].id).to.match(/^\d+:\d+$/);
  });

  it('unsupported transports are skipped like with connect()', async () => {
    const ch = channel('unsup');
    const saved = window.WebSocket;
    (window as unknown as { WebSocket?: unknown }).WebSocket = undefined;
    try {
      client = connectNchan(subUrl('m', ch), { transports: ['websocket', 'sse'] });
      const fb = await next<FallbackEvent>(client, 'fallback');
      expect([fb.transport, fb.reason]).to.deep.equal(['websocket' as TransportName, 'unsupported']);
      expect((await next<OpenEvent>(client, 'open')).transport).to.equal('sse');
    } finally {
      window.WebSocket = saved;
    }
  });
});
