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

  describe('POST /send failures (PROTOCOL.md, "Client to server")', () => {
    /**
     * A long-poll server that acknowledges (its open frame has `ack`), and the POSTs it got. The
     * POST with number `post` (from 1) of client identity `client` is answered by `answer`.
     */
    function longPollServer(answer: (post: number, client: string) => Response): { bodies: string[]; handshakes: () => number } {
      const bodies: string[] = [];
      let handshakes = 0;
      worker.use(
        http.get(BASE + '/poll', ({ request }) => {
          if (!new URL(request.url).searchParams.get('session')) {
            handshakes++;
            return json([{ ...open(null), ack: 0 }]);
          }
          return new Promise((r) => setTimeout(() => r(json([{ type: 'ping' }])), 200));
        }),
        http.post(BASE + '/send', async ({ request }) => {
          bodies.push(await request.text());
          return answer(bodies.length, new URL(request.url).searchParams.get('client') ?? '');
        }),
      );
      return { bodies, handshakes: () => handshakes };
    }
    const acknowledged = (client: string, seq: number) => json({ acks: { [client]: seq } });

    it('a 503 with Retry-After ends the connection; the client waits that long, reconnects and sends the message again', async () => {
      const server = longPollServer((post, id) => (post === 1 ? new HttpResponse('busy', { status: 503, headers: { 'Retry-After': '1' } }) : acknowledged(id, 1)));
      client = connect(BASE, { transports: ['longpoll'], reconnect: { initialDelay: 20, jitter: 0 } });
      await next(client, 'open');
      const calls: (PushlineError | null)[] = [];
      client.send('hello', (error) => calls.push(error));
      const r = await next<ReconnectingEvent>(client, 'reconnecting');
      expect([r.error.code, r.error.status, r.error.retryAfter]).to.deep.equal(['closed', 503, 1000]);
      expect(r.delay).to.be.at.least(1000);
      await waitFor(() => calls.length === 1, 'the done callback', 5000);
      expect(calls).to.deep.equal([null]);
      expect(server.handshakes()).to.equal(2);
      expect(server.bodies).to.deep.equal(['[{"seq":1,"data":"hello"}]', '[{"seq":1,"data":"hello"}]']);
    });

    it('a 400 refuses the message for good: its callback and an error event say so, it is not sent again', async () => {
      const server = longPollServer(() => new HttpResponse('no', { status: 400 }));
      client = connect(BASE, { transports: ['longpoll'] });
      await next(client, 'open');
      const errors: PushlineError[] = [];
      client.on('error', (e) => errors.push(e));
      const calls: (PushlineError | null)[] = [];
      client.send('refused', (error) => calls.push(error));
      await waitFor(() => calls.length === 1, 'the done callback');
      expect([calls[0]?.code, calls[0]?.status]).to.deep.equal(['send-failed', 400]);
      expect(errors.map((e) => e.status)).to.deep.equal([400]);
      await new Promise((r) => setTimeout(r, 300));
      expect(server.bodies.length).to.equal(1);
      expect(client.state).to.equal('open');
    });

    it('a POST that fails on the network ends the connection; the message goes again on the next one', async () => {
      const server = longPollServer((post, id) => (post === 1 ? HttpResponse.error() : acknowledged(id, 1)));
      client = connect(BASE, { transports: ['longpoll'], reconnect: { initialDelay: 20, jitter: 0 } });
      await next(client, 'open');
      const calls: (PushlineError | null)[] = [];
      client.send('again', (error) => calls.push(error));
      const r = await next<ReconnectingEvent>(client, 'reconnecting');
      expect([r.error.code, r.error.status]).to.deep.equal(['closed', 0]);
      await waitFor(() => calls.length === 1, 'the done callback');
      expect(calls).to.deep.equal([null]);
      expect(server.bodies).to.deep.equal(['[{"seq":1,"data":"again"}]', '[{"seq":1,"data":"again"}]']);
    });
  });
});
