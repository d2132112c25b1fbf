/** HTTP edge cases a real server cannot easily produce, with msw (Mock Service Worker). */
import { expect } from 'chai';
import { http, HttpResponse } from 'msw';
import { setupWorker } from 'msw/browser';
import { connect } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { FallbackEvent, OpenEvent, PushlineError, ReconnectingEvent } from '../../src/types.js';
import { ENGINE, next, waitFor } from './helpers.js';

const BASE = location.origin + '/mock';
const open = (last: string | null = null) => ({ type: 'open', session: 's1', resumed: false, last, heartbeat: 1000 });
const json = (body: unknown, status = 200) =>
  new HttpResponse(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
// WebKitGTK cannot hand a service worker's stream to the page progressively (no transferable
// streams): msw buffers the whole body there, so a body that never ends never arrives.
const webkit = ENGINE === 'webkit';

describe('HTTP edge cases (msw)', () => {
  const worker = setupWorker();
  let client: Client | null = null;
  before(() => worker.start({ serviceWorker: { url: '/mockServiceWorker.js' }, onUnhandledRequest: 'bypass', quiet: true }));
  after(() => worker.stop());
  afterEach(() => {
    client?.close();
    worker.resetHandlers();
  });

  it('a 500 on one poll reconnects with backoff and resumes from the last id', async () => {
    const asked: (string | null)[] = [];
    let polls = 0;
    worker.use(
      http.get(BASE + '/poll', ({ request }) => {
        const url = new URL(request.url);
        asked.push(url.searchParams.get('lastEventId'));
        polls++;
        if (!url.searchParams.get('session')) return json([open('10')]);
        if (polls === 2) return json([{ id: '11', data: 'a' }]);
        if (polls === 3) return new HttpResponse('oops', { status: 500 });
        if (polls === 5) return json([{ id: '12', data: 'b' }]);
        return new Promise((r) => setTimeout(() => r(json([{ type: 'ping' }])), 200));
      }),
    );
    client = connect(BASE, { transports: ['longpoll'], reconnect: { initialDelay: 50, jitter: 0 } });
    const got: string[] = [];
    client.on('message', (m) => got.push(m.id));
    const r = await next<ReconnectingEvent>(client, 'reconnecting');
    expect(r.error.status).to.equal(500);
    expect(r.delay).to.equal(50);
    await waitFor(() => got.length === 2, 'two messages');
    expect(got).to.deep.equal(['11', '12']);
    // handshake, poll after 10, poll after 11 (500), new handshake resuming after 11, poll
    expect(asked.slice(0, 5)).to.deep.equal([null, '10', '11', '11', '11']);
  });

  it('an HTML error page with status 200 on a poll is refused, and the client falls back', async () => {
    worker.use(
      http.get(BASE + '/poll', () => new HttpResponse('<html>Access denied</html>', { headers: { 'Content-Type': 'text/html' } })),
    );
    client = connect(BASE, { transports: ['longpoll', 'websocket'], endpoints: { websocket: 'ws://127.0.0.1:9/ws' }, reconnect: false });
    const f = await next<FallbackEvent>(client, 'fallback');
    expect(f).to.include({ transport: 'longpoll', reason: 'refused', next: 'websocket' });
    expect(f.error.message).to.contain('text/html');
  });

  it('a streaming response with the wrong content type is refused', async () => {
    worker.use(http.get(BASE + '/stream', () => new HttpResponse('<html>proxy</html>', { headers: { 'Content-Type': 'text/html' } })));
    client = connect(BASE, { transports: ['streaming', 'longpoll'], reconnect: false });
    worker.use(http.get(BASE + '/poll', () => json([open()])));
    const f = await next<FallbackEvent>(client, 'fallback');
    expect(f).to.include({ transport: 'streaming', reason: 'refused' });
    expect((await next<OpenEvent>(client, 'open')).transport).to.equal('longpoll');
  });

  it('a 401 stops the client with an error instead of retrying', async () => {
    worker.use(http.get(BASE + '/poll', () => new HttpResponse('no', { status: 401 })));
    // Count the client's own requests (WebKit may repeat a 401 request internally).
    let requests = 0;
    const realOpen = XMLHttpRequest.prototype.open;
    XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...args: unknown[]) {
      if (String(args[1]).includes('/mock/poll')) requests++;
      return (realOpen as (...a: unknown[]) => void).apply(this, args);
    } as typeof realOpen;
    try {
      client = connect(BASE, { transports: ['longpoll'], reconnect: { initialDelay: 10 } });
      const closed = next(client, 'close');
      const err = await next<PushlineError>(client, 'error');
      expect(err.status).to.equal(401);
      await closed;
      await new Promise((r) => setTimeout(r, 200));
      expect(client.state).to.equal('closed');
      expect(requests).to.equal(1);
    } finally {
      XMLHttpRequest.prototype.open = realOpen;
    }
  });

  it(`a stream that stalls after open is ${webkit ? 'never delivered (WebKit: timeout)' : 'detected as muted'}`, async () => {
    const enc = new TextEncoder();
    worker.use(
      http.get(BASE + '/stream', () => {
        const body = new ReadableStream({
          start(c) {
            c.enqueue(enc.encode(' '.repeat(2048) + '\n' + JSON.stringify(open()) + '\n'));
          },
        });
        return new HttpResponse(body, { headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
      }),
      http.get(BASE + '/poll', () => json([open()])),
    );
    client = connect(BASE, { transports: ['streaming', 'longpoll'], heartbeatTimeout: 800, connectTimeout: 1500 });
    const f = await next<FallbackEvent>(client, 'fallback', 6000);
    expect(f).to.include({ transport: 'streaming', next: 'longpoll' });
    // WebKit: msw holds the whole response, headers included, so it looks like a hang.
    expect(f.reason).to.equal(webkit ? 'timeout' : 'muted');
  });
});
