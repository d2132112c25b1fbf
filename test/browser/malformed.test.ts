/**
 * Bad input on every transport: the client reports a typed error ('protocol', 'too-large', or the
 * HTTP failure), then reconnects and resumes, or falls back, or stops, and never crashes.
 * Each case asserts the sequence of client events, not just "no crash".
 *
 * HTTP transports (longpoll, streaming, and sse through the browser's native EventSource) are
 * answered by msw (Mock Service Worker); the WebSocket by mock-socket.
 *
 * WebKitGTK cannot hand a service worker's stream to the page progressively, so msw buffers a
 * whole body there: a body that never ends never arrives (not even its headers). The cases with
 * an endless body assert what WebKit does instead (a connect timeout), and each also has a finite
 * variant that runs on every engine.
 */
import { expect } from 'chai';
import { http, HttpResponse } from 'msw';
import { setupWorker } from 'msw/browser';
import { Server, WebSocket as MockWebSocket } from 'mock-socket/dist/mock-socket.es.mjs';
import { connect } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { ClientOptions, FallbackEvent, PushlineError, PushlineMessage, ReconnectingEvent, TransportName } from '../../src/types.js';
import { ENGINE, sleep, waitFor } from './helpers.js';

const webkit = ENGINE === 'webkit';
const enc = new TextEncoder();
const PRELUDE = ' '.repeat(2048) + '\n';

const openFrame = (last: string | null = null) => JSON.stringify({ type: 'open', session: 's1', resumed: last !== null, last, heartbeat: 15000 });
const msg = (id: string, data = 'd' + id, extra: Record<string, unknown> = {}) => JSON.stringify({ id, data, ...extra });

/** Bytes from text pieces and raw byte lists (for invalid UTF-8). */
function bytes(...parts: (string | number[])[]): Uint8Array<ArrayBuffer> {
  const list = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : new Uint8Array(p)));
  const out = new Uint8Array(list.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of list) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const SSE_TYPE = 'text/event-stream; charset=utf-8';
const body = (b: BodyInit | null, type: string, status = 200, headers: Record<string, string> = {}) =>
  new HttpResponse(b, { status, headers: { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers } });
const json = (value: unknown) => body(JSON.stringify(value), JSON_TYPE);
const html = (status: number) => body('<!doctype html><html><body><h1>' + status + ' Proxy Error</h1></body></html>', 'text/html', status);

/** A streaming body: the prelude, then each piece in its own chunk; ends unless `endless`. */
function streamBody(pieces: (string | Uint8Array)[]) {
  return body(bytes(PRELUDE, ...pieces.map((p) => (typeof p === 'string' ? p : Array.from(p)))), TEXT);
}
/**
 * A body that never ends: `first`, then `more()` every 10 ms, at most `cap` times (so that a body
 * the client stopped reading cannot run forever in the page).
 */
function endless(type: string, first: Uint8Array, more: () => string, cap = 400) {
  let timer: ReturnType<typeof setInterval> | undefined;
  let n = 0;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(first);
      timer = setInterval(() => {
        try {
          if (++n > cap) return clearInterval(timer);
          c.enqueue(enc.encode(more()));
        } catch {
          clearInterval(timer);
        }
      }, 10);
    },
    cancel() {
      clearInterval(timer);
    },
  });
  return body(stream, type);
}
/** An SSE body of Pushline frames: the open frame, then each frame as one event (id field for messages). */
function sseBody(events: (string | Uint8Array)[]) {
  const parts: (string | number[])[] = [': pushline\n\n'];
  for (const e of events) parts.push(typeof e === 'string' ? e : Array.from(e));
  return body(bytes(...parts), SSE_TYPE);
}
const sseEvent = (frame: string, id?: string) => (id ? 'id: ' + id + '\n' : '') + 'data: ' + frame + '\n\n';

/** Every client event, as compact strings in order, plus the payloads. */
function record(client: Client) {
  const r = {
    log: [] as string[],
    messages: [] as PushlineMessage[],
    errors: [] as PushlineError[],
    reconnects: [] as ReconnectingEvent[],
    fallbacks: [] as FallbackEvent[],
    closes: [] as (PushlineError | null)[],
  };
  client.on('open', (e) => r.log.push('open:' + e.transport));
  client.on('message', (m) => {
    r.messages.push(m);
    r.log.push('message:' + m.id);
  });
  client.on('gap', () => r.log.push('gap'));
  client.on('error', (e) => {
    r.errors.push(e);
    r.log.push('error:' + e.code);
  });
  client.on('reconnecting', (e) => {
    r.reconnects.push(e);
    r.log.push('reconnecting:' + e.transport + ':' + e.error.code);
  });
  client.on('fallback', (e) => {
    r.fallbacks.push(e);
    r.log.push('fallback:' + e.transport + '>' + e.next + ':' + e.reason);
  });
  client.on('close', (e) => {
    r.closes.push(e.error);
    r.log.push('close:' + (e.error ? e.error.code : 'null'));
  });
  return r;
}
type Recording = ReturnType<typeof record>;

/** Waits until the log has at least `n` entries, then checks its first `n` against `want`. */
async function expectLog(r: Recording, want: string[], ms = 8000): Promise<void> {
  try {
    await waitFor(() => r.log.length >= want.length, want.length + ' events', ms);
  } catch (e) {
    throw new Error((e as Error).message + '; got ' + JSON.stringify(r.log) + ', want ' + JSON.stringify(want));
  }
  expect(r.log.slice(0, want.length)).to.deep.equal(want);
}

/** Uncaught exceptions and unhandled rejections anywhere in the page fail the test. */
const crashes: string[] = [];
const onError = (e: ErrorEvent) => crashes.push('error: ' + e.message);
const onRejection = (e: PromiseRejectionEvent) => crashes.push('unhandledrejection: ' + String(e.reason));
beforeEach(() => {
  crashes.length = 0;
  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onRejection);
});
afterEach(() => {
  window.removeEventListener('error', onError);
  window.removeEventListener('unhandledrejection', onRejection);
  expect(crashes, 'uncaught errors').to.deep.equal([]);
});

const FAST = { reconnect: { initialDelay: 20, jitter: 0 }, connectTimeout: 4000, heartbeatTimeout: 20000 } as const;

/** Shapes that are not Pushline frames (PROTOCOL.md "Frames"): each is a protocol error. */
const WRONG_SHAPES: [string, string][] = [
  ['id is a number', '{"id":2,"data":"x"}'],
  ['data is an object', '{"id":"2","data":{"text":"x"}}'],
  ['data is missing', '{"id":"2"}'],
  ['type is a number', '{"type":7,"id":"2","data":"x"}'],
  ['a JSON string', '"hello"'],
  ['JSON null', 'null'],
  ['an array', '[{"id":"2","data":"x"}]'],
  ['an id over 1,024 characters', '{"id":"' + 'i'.repeat(1025) + '","data":"x"}'],
];

// ---- HTTP transports, answered by msw --------------------------------------------------------------

describe('malformed input on the HTTP transports (msw)', () => {
  // A fresh base path per test: a request of an earlier test's client still in flight in msw
  // (aborted by the page, but already handed to the worker) cannot consume this test's answers.
  let BASE = '';
  let seq = 0;
  beforeEach(() => {
    BASE = location.origin + '/bad/' + ++seq;
  });
  const worker = setupWorker();
  let client: Client | null = null;
  before(() => worker.start({ serviceWorker: { url: '/mockServiceWorker.js' }, onUnhandledRequest: 'bypass', quiet: true }));
  after(() => worker.stop());
  afterEach(() => {
    client?.close();
    client = null;
    worker.resetHandlers();
  });

  /** What the mocked endpoints were asked: the cursor (query, or Last-Event-ID header) per request. */
  interface Asked {
    path: string;
    lastEventId: string | null;
    header: string | null;
    session: string | null;
  }
  const asked: Asked[] = [];
  beforeEach(() => {
    asked.length = 0;
  });
  type Handler = (n: number, url: URL) => Response | Promise<Response>;
  /** Mocks one endpoint; `script` gets the 1-based request count for that path. */
  function mock(path: string, script: Handler) {
    let n = 0;
    worker.use(
      http.get(BASE + path, ({ request }) => {
        const url = new URL(request.url);
        asked.push({
          path,
          lastEventId: url.searchParams.get('lastEventId'),
          header: request.headers.get('Last-Event-ID'),
          session: url.searchParams.get('session'),
        });
        return script(++n, url);
      }),
    );
  }
  const cursors = (path: string) => asked.filter((a) => a.path === path).map((a) => a.lastEventId);
  /** A held poll: answered with a ping after a while. */
  const held = () => new Promise<Response>((r) => setTimeout(() => r(json([{ type: 'ping' }])), 300));
  /** Long polling that hands out `batches` in turn after the handshake, then holds. */
  function polls(batches: (() => Response)[], handshake = () => json([JSON.parse(openFrame())])) {
    let i = 0;
    mock('/poll', (_n, url) => (!url.searchParams.get('session') ? handshake() : i < batches.length ? batches[i++]() : held()));
  }
  function start(transports: TransportName[], extra: Partial<ClientOptions> = {}): Recording {
    client = connect(BASE, { transports, ...FAST, ...extra });
    return record(client);
  }

  describe('long polling', () => {
    it('invalid UTF-8 in a batch decodes to U+FFFD and the message is delivered', async () => {
      polls([() => body(bytes('[{"id":"1","data":"a', [0xff, 0xe2, 0x82], 'b"}]'), JSON_TYPE)]);
      const r = start(['longpoll']);
      await expectLog(r, ['open:longpoll', 'message:1']);
      expect(r.messages[0].data).to.equal('a\ufffd\ufffdb');
      await sleep(100);
      expect(r.errors).to.deep.equal([]);
    });

    it('a truncated batch is a protocol error; the client reconnects and resumes', async () => {
      let handshakes = 0;
      polls(
        [() => json([JSON.parse(msg('1'))]), () => body('[{"id":"2","data":"b"},{"id":"3","da', JSON_TYPE), () => json([JSON.parse(msg('2'))])],
        () => json([JSON.parse(openFrame(handshakes++ ? '1' : null))]),
      );
      const r = start(['longpoll']);
      await expectLog(r, ['open:longpoll', 'message:1', 'error:protocol', 'reconnecting:longpoll:protocol', 'open:longpoll', 'message:2']);
      expect(r.errors[0].transport).to.equal('longpoll');
      // Nothing of the broken batch was delivered; the new handshake resumed after '1'.
      expect(r.messages.map((m) => m.id)).to.deep.equal(['1', '2']);
      expect(asked.filter((a) => !a.session).map((a) => a.lastEventId)).to.deep.equal([null, '1']);
      expect(asked.filter((a) => !a.session)[1].header).to.equal('1');
    });

    it('broken JSON (not JSON at all) is a protocol error, then a reconnection', async () => {
      polls([() => body("[{id: '1', data: 'single quotes'}]", JSON_TYPE)]);
      const r = start(['longpoll']);
      await expectLog(r, ['open:longpoll', 'error:protocol', 'reconnecting:longpoll:protocol', 'open:longpoll']);
    });

    it('unknown fields and unknown control frames are ignored; the messages are delivered', async () => {
      polls([
        () =>
          json([
            { id: '1', data: 'a', extra: { deep: [1, 2] }, ts: 5, type_: 'x' },
            { type: 'future-control', payload: [1] },
            { id: '2', data: 'b', event: 'chat', unknown: null },
          ]),
      ]);
      const r = start(['longpoll']);
      await expectLog(r, ['open:longpoll', 'message:1', 'message:2']);
      expect(r.messages).to.deep.equal([
        { id: '1', data: 'a', event: 'message' },
        { id: '2', data: 'b', event: 'chat' },
      ]);
      await sleep(100);
      expect(r.errors).to.deep.equal([]);
    });

    for (const [what, frame] of WRONG_SHAPES) {
      it(`a batch element of the wrong shape (${what}) is a protocol error, then a reconnection`, async () => {
        polls([() => body('[' + msg('1') + ',' + frame + ']', JSON_TYPE)]);
        const r = start(['longpoll']);
        await expectLog(r, ['open:longpoll', 'error:protocol', 'reconnecting:longpoll:protocol', 'open:longpoll']);
        // The batch is rejected whole: not even its valid first element is delivered.
        expect(r.messages).to.deep.equal([]);
      });
    }

    it('a message larger than maxMessageSize is a too-large error naming it; it is skipped and the polls go on after it', async () => {
      polls([() => json([JSON.parse(msg('1', 'x'.repeat(5000)))]), () => json([JSON.parse(msg('2'))])]);
      const r = start(['longpoll'], { maxMessageSize: 1000 });
      await expectLog(r, ['open:longpoll', 'error:too-large', 'message:2']);
      expect(r.errors[0]).to.include({ code: 'too-large', transport: 'longpoll', id: '1' });
      // No reconnection: the next poll asked for what follows the skipped message.
      await waitFor(() => asked.filter((a) => a.session).length >= 3, 'a third poll');
      expect(asked.filter((a) => a.session).map((a) => a.lastEventId).slice(0, 3)).to.deep.equal([null, '1', '2']);
      expect(asked.filter((a) => !a.session).length).to.equal(1);
      expect(client?.lastEventId).to.equal('2');
    });

    for (const status of [200, 502]) {
      it(`an HTML error page with status ${status} is refused, and the client falls back`, async () => {
        mock('/poll', () => html(status));
        mock('/stream', () => streamBody([openFrame() + '\n']));
        const r = start(['longpoll', 'streaming']);
        await expectLog(r, ['fallback:longpoll>streaming:refused', 'open:streaming']);
        expect(r.fallbacks[0].error).to.include({ code: 'refused', transport: 'longpoll', status });
        expect(r.fallbacks[0].error.message).to.contain(status === 200 ? 'text/html' : 'HTTP 502');
      });
    }

    it('an HTML page labelled application/json is a protocol error before open, and the client falls back', async () => {
      mock('/poll', () => body('<html><body>Login</body></html>', JSON_TYPE));
      mock('/stream', () => streamBody([openFrame() + '\n']));
      const r = start(['longpoll', 'streaming']);
      await expectLog(r, ['error:protocol', 'fallback:longpoll>streaming:protocol', 'open:streaming']);
    });

    it('a poll cut off by a network error reconnects and resumes', async () => {
      let handshakes = 0;
      polls([() => json([JSON.parse(msg('1'))]), () => HttpResponse.error() as Response, () => json([JSON.parse(msg('2'))])], () =>
        json([JSON.parse(openFrame(handshakes++ ? '1' : null))]),
      );
      const r = start(['longpoll']);
      await expectLog(r, ['open:longpoll', 'message:1', 'reconnecting:longpoll:closed', 'open:longpoll', 'message:2']);
      expect(r.reconnects[0].error.status).to.equal(undefined);
      expect(asked.filter((a) => !a.session).map((a) => a.lastEventId)).to.deep.equal([null, '1']);
    });

    it('a 404 falls back to the next transport', async () => {
      mock('/poll', () => body('not found', 'text/plain', 404));
      mock('/stream', () => streamBody([openFrame() + '\n']));
      const r = start(['longpoll', 'streaming']);
      await expectLog(r, ['fallback:longpoll>streaming:refused', 'open:streaming']);
      expect(r.fallbacks[0].error.status).to.equal(404);
    });

    for (const [status, retryAfter] of [
      [429, '1'],
      [503, 'http-date'],
    ] as const) {
      it(`a ${status} with Retry-After (${retryAfter === '1' ? 'seconds' : 'an HTTP date'}) waits at least that long on the same transport`, async () => {
        let value = '';
        mock('/poll', (n, url) => {
          if (n === 1) {
            value = retryAfter === '1' ? '1' : new Date(Date.now() + 2000).toUTCString();
            return body('busy', 'text/plain', status, { 'Retry-After': value });
          }
          return url.searchParams.get('session') ? held() : json([JSON.parse(openFrame())]);
        });
        mock('/stream', () => streamBody([openFrame() + '\n']));
        const r = start(['longpoll', 'streaming']);
        await expectLog(r, ['reconnecting:longpoll:refused', 'open:longpoll']);
        expect(r.reconnects[0].error).to.include({ status });
        // The HTTP date is 1 to 2 s ahead when sent (whole seconds); a little is spent on the way.
        expect(r.reconnects[0].error.retryAfter).to.be.at.least(retryAfter === '1' ? 1000 : 500);
        expect(r.reconnects[0].delay).to.be.at.least(r.reconnects[0].error.retryAfter as number);
        expect(r.fallbacks).to.deep.equal([]);
        expect(asked.filter((a) => a.path === '/stream')).to.deep.equal([]);
      });
    }

    it('a 503 with Retry-After on a poll after open waits too, and resumes', async () => {
      let handshakes = 0;
      polls(
        [() => json([JSON.parse(msg('1'))]), () => body('maintenance', 'text/plain', 503, { 'Retry-After': '1' }), () => json([JSON.parse(msg('2'))])],
        () => json([JSON.parse(openFrame(handshakes++ ? '1' : null))]),
      );
      const r = start(['longpoll', 'streaming']);
      await expectLog(r, ['open:longpoll', 'message:1', 'reconnecting:longpoll:closed', 'open:longpoll', 'message:2']);
      expect(r.reconnects[0].delay).to.be.at.least(1000);
      expect(r.reconnects[0].error).to.include({ status: 503, retryAfter: 1000 });
    });

    it('a Retry-After too long for a browser timer (> 2^31-1 ms) still makes the client wait', async () => {
      mock('/poll', () => body('come back next month', 'text/plain', 503, { 'Retry-After': '3000000' }));
      const r = start(['longpoll']);
      await expectLog(r, ['reconnecting:longpoll:refused']);
      // As long as a timer can wait (or longer, if the client chains timers).
      expect(r.reconnects[0].delay).to.be.at.least(2 ** 31 - 1);
      // setTimeout takes a 32-bit delay: a larger one must not wrap round to "at once".
      await sleep(300);
      expect(asked.length, 'requests').to.equal(1);
    });

    it('polls answered at once with an empty batch (a broken server or proxy) do not become a request storm', async () => {
      mock('/poll', (_n, url) => (url.searchParams.get('session') ? json([]) : json([JSON.parse(openFrame())])));
      const r = start(['longpoll']);
      await expectLog(r, ['open:longpoll']);
      await sleep(1000);
      // Before the fix: about 85 requests a second through msw, for as long as it lasted.
      expect(asked.length, 'requests in 1 s').to.be.at.most(20);
    });

    it('repeated 500s back off exponentially, then the client connects', async () => {
      mock('/poll', (n, url) =>
        n <= 3 ? body('oops', 'text/plain', 500) : url.searchParams.get('session') ? held() : json([JSON.parse(openFrame())]),
      );
      const r = start(['longpoll']);
      await expectLog(r, ['reconnecting:longpoll:refused', 'reconnecting:longpoll:refused', 'reconnecting:longpoll:refused', 'open:longpoll']);
      expect(r.reconnects.map((e) => e.delay)).to.deep.equal([20, 40, 80]);
      expect(r.reconnects.map((e) => e.error.status)).to.deep.equal([500, 500, 500]);
    });

    it('a 204 stops the client: an error, then close with that error, and no more requests', async () => {
      mock('/poll', () => new HttpResponse(null, { status: 204 }));
      const r = start(['longpoll', 'streaming']);
      await expectLog(r, ['error:closed-by-server', 'close:closed-by-server']);
      expect(r.errors[0]).to.include({ status: 204, transport: 'longpoll' });
      expect(r.closes[0]).to.equal(r.errors[0]);
      await sleep(150);
      expect(asked.length).to.equal(1);
      expect(client?.state).to.equal('closed');
    });

    it('a 302 redirect to another path is followed', async () => {
      mock('/poll', (_n, url) => new HttpResponse(null, { status: 302, headers: { Location: BASE + '/moved/poll' + url.search } }));
      let i = 0;
      mock('/moved/poll', (_n, url) => (!url.searchParams.get('session') ? json([JSON.parse(openFrame())]) : i++ === 0 ? json([JSON.parse(msg('1'))]) : held()));
      const r = start(['longpoll']);
      await expectLog(r, ['open:longpoll', 'message:1']);
      expect(asked.filter((a) => a.path === '/moved/poll').length).to.be.at.least(2);
      expect(r.errors).to.deep.equal([]);
    });
  });

  describe('streaming', () => {
    it('invalid UTF-8 in a frame decodes to U+FFFD and the message is delivered, even split across chunks', async () => {
      let n = 0;
      mock('/stream', () =>
        ++n === 1
          ? streamBody([openFrame() + '\n', bytes('{"id":"1","data":"a', [0xff]), bytes([0xe2, 0x82], 'b"}\n'), bytes('{"id":"2","data":"', [0xc3]), bytes([0xa9], '"}\n')])
          : streamBody([openFrame('2') + '\n']),
      );
      const r = start(['streaming']);
      await expectLog(r, ['open:streaming', 'message:1', 'message:2', 'reconnecting:streaming:closed', 'open:streaming']);
      expect(r.messages.map((m) => m.data)).to.deep.equal(['a\ufffd\ufffdb', 'é']);
      expect(r.errors).to.deep.equal([]);
    });

    it('broken JSON is a protocol error; the client reconnects and resumes after the last message', async () => {
      let n = 0;
      mock('/stream', () =>
        ++n === 1
          ? streamBody([openFrame() + '\n' + msg('1') + '\n' + '{"id":"2","data":\n' + msg('3') + '\n'])
          : streamBody([openFrame('1') + '\n' + msg('2') + '\n']),
      );
      const r = start(['streaming']);
      await expectLog(r, ['open:streaming', 'message:1', 'error:protocol', 'reconnecting:streaming:protocol', 'open:streaming', 'message:2']);
      expect(cursors('/stream').slice(0, 2)).to.deep.equal([null, '1']);
      expect(asked[1].header).to.equal('1');
      // Frames after the broken one on the same response are not delivered (the connection was dropped).
      expect(r.messages.map((m) => m.id)).to.not.include('3');
    });

    it('unknown fields and control frames are ignored; the messages are delivered', async () => {
      mock('/stream', () =>
        streamBody([openFrame() + '\n' + msg('1', 'a', { extra: [1], nested: { x: null } }) + '\n{"type":"future","v":2}\n' + msg('2', 'b', { event: 'chat', z: 1 }) + '\n']),
      );
      const r = start(['streaming']);
      await expectLog(r, ['open:streaming', 'message:1', 'message:2']);
      expect(r.messages[1]).to.deep.equal({ id: '2', data: 'b', event: 'chat' });
      await sleep(50);
      expect(r.errors).to.deep.equal([]);
    });

    for (const [what, frame] of WRONG_SHAPES) {
      it(`a frame of the wrong shape (${what}) is a protocol error, then a reconnection`, async () => {
        let n = 0;
        mock('/stream', () => (++n === 1 ? streamBody([openFrame() + '\n' + msg('1') + '\n' + frame + '\n']) : streamBody([openFrame('1') + '\n'])));
        const r = start(['streaming']);
        await expectLog(r, ['open:streaming', 'message:1', 'error:protocol', 'reconnecting:streaming:protocol', 'open:streaming']);
        expect(cursors('/stream')[1]).to.equal('1');
      });
    }

    // The parser's buffer is bounded a little above maxMessageSize (room for the envelope, JSON
    // escapes and the prelude); the exact limit on a message's data is applied by the client.
    const MAX = 4096;
    const HUGE = 'x'.repeat(10 * MAX);

    it(
      webkit
        ? 'a delimiter that never comes: WebKit (msw buffers endless bodies) sees no response at all and times out'
        : 'a delimiter that never comes: a too-large error naming the message, then a reconnection after it',
      async () => {
        let n = 0;
        mock('/stream', () =>
          ++n === 1
            ? endless(TEXT, bytes(PRELUDE, openFrame() + '\n' + msg('1') + '\n{"id":"2","data":"'), () => 'x'.repeat(1000))
            : streamBody([openFrame('2') + '\n' + msg('3') + '\n']),
        );
        const r = start(['streaming'], { maxMessageSize: MAX, connectTimeout: webkit ? 1500 : 4000 });
        if (webkit) {
          await expectLog(r, ['reconnecting:streaming:timeout', 'open:streaming', 'message:3']);
        } else {
          await expectLog(r, ['open:streaming', 'message:1', 'error:too-large', 'reconnecting:streaming:too-large', 'open:streaming', 'message:3']);
          expect(r.errors[0]).to.include({ transport: 'streaming', id: '2' });
          // Resumed after the oversized message, which would otherwise come back forever.
          expect(cursors('/stream').slice(0, 2)).to.deep.equal([null, '2']);
        }
      },
    );

    it('a frame without its delimiter until the body ends, far past maxMessageSize: too-large, then a reconnection after it', async () => {
      let n = 0;
      mock('/stream', () => (++n === 1 ? streamBody([openFrame() + '\n' + msg('1', HUGE)]) : streamBody([openFrame('1') + '\n' + msg('2') + '\n'])));
      const r = start(['streaming'], { maxMessageSize: MAX });
      await expectLog(r, ['open:streaming', 'error:too-large', 'reconnecting:streaming:too-large', 'open:streaming', 'message:2']);
      expect(r.errors[0]).to.include({ id: '1' });
      expect(cursors('/stream').slice(0, 2)).to.deep.equal([null, '1']);
    });

    it('a whole frame far past maxMessageSize in one chunk: too-large, not delivered, then a reconnection after it', async () => {
      let n = 0;
      mock('/stream', () =>
        ++n === 1 ? streamBody([openFrame() + '\n' + msg('1', HUGE) + '\n' + msg('2') + '\n']) : streamBody([openFrame('1') + '\n' + msg('2') + '\n']),
      );
      const r = start(['streaming'], { maxMessageSize: MAX });
      await expectLog(r, ['open:streaming', 'error:too-large', 'reconnecting:streaming:too-large', 'open:streaming', 'message:2']);
      expect(r.messages.map((m) => m.id)).to.deep.equal(['2']);
      expect(cursors('/stream').slice(0, 2)).to.deep.equal([null, '1']);
    });

    it('a message just over maxMessageSize is a too-large error; it is skipped and the stream goes on', async () => {
      mock('/stream', () => streamBody([openFrame() + '\n' + msg('1', 'y'.repeat(MAX + 1)) + '\n' + msg('2', 'y'.repeat(MAX)) + '\n']));
      const r = start(['streaming'], { maxMessageSize: MAX });
      await expectLog(r, ['open:streaming', 'error:too-large', 'message:2', 'reconnecting:streaming:closed']);
      expect(r.errors[0]).to.include({ transport: 'streaming', id: '1' });
      expect(r.messages[0].data.length).to.equal(MAX);
    });

    it('a small maxMessageSize does not reject the 2 KiB prelude', async () => {
      mock('/stream', () => streamBody([openFrame() + '\n' + msg('1', 'ok') + '\n']));
      const r = start(['streaming'], { maxMessageSize: 100 });
      await expectLog(r, ['open:streaming', 'message:1']);
      expect(r.errors).to.deep.equal([]);
    });

    for (const status of [200, 502]) {
      it(`an HTML error page (text/html) with status ${status} is refused, and the client falls back`, async () => {
        mock('/stream', () => html(status));
        polls([]);
        const r = start(['streaming', 'longpoll']);
        await expectLog(r, ['fallback:streaming>longpoll:refused', 'open:longpoll']);
        expect(r.fallbacks[0].error.status).to.equal(status);
      });
    }

    it('an HTML page labelled text/plain is a protocol error before open, and the client falls back', async () => {
      mock('/stream', () => body('<html>\n<body>Please log in</body>\n</html>\n', TEXT));
      polls([]);
      const r = start(['streaming', 'longpoll']);
      await expectLog(r, ['error:protocol', 'fallback:streaming>longpoll:protocol', 'open:longpoll']);
    });

    it('a response truncated inside a frame: the partial frame is dropped, the client resumes after the last whole one', async () => {
      let n = 0;
      mock('/stream', () =>
        ++n === 1 ? streamBody([openFrame() + '\n' + msg('1') + '\n{"id":"2","data":"tru']) : streamBody([openFrame('1') + '\n' + msg('2') + '\n']),
      );
      const r = start(['streaming']);
      await expectLog(r, ['open:streaming', 'message:1', 'reconnecting:streaming:closed', 'open:streaming', 'message:2']);
      expect(r.messages.map((m) => m.data)).to.deep.equal(['d1', 'd2']);
      expect(cursors('/stream').slice(0, 2)).to.deep.equal([null, '1']);
    });

    it('a 404 falls back to the next transport', async () => {
      mock('/stream', () => body('no such thing', 'text/plain', 404));
      polls([]);
      const r = start(['streaming', 'longpoll']);
      await expectLog(r, ['fallback:streaming>longpoll:refused', 'open:longpoll']);
      expect(r.fallbacks[0].error.status).to.equal(404);
    });

    for (const status of [429, 503]) {
      it(`a ${status} with Retry-After waits at least that long on the same transport, no fallback`, async () => {
        mock('/stream', (n) => (n === 1 ? body('slow down', 'text/plain', status, { 'Retry-After': '1' }) : streamBody([openFrame() + '\n'])));
        polls([]);
        const r = start(['streaming', 'longpoll']);
        await expectLog(r, ['reconnecting:streaming:refused', 'open:streaming']);
        expect(r.reconnects[0].error).to.include({ status, retryAfter: 1000 });
        expect(r.reconnects[0].delay).to.be.at.least(1000);
        expect(r.fallbacks).to.deep.equal([]);
        expect(asked.filter((a) => a.path === '/poll')).to.deep.equal([]);
      });
    }

    it('a 500 is refused: the client falls back, then backs off when the round is over', async () => {
      mock('/stream', () => body('oops', 'text/plain', 500));
      mock('/poll', () => body('oops', 'text/plain', 500));
      const r = start(['streaming', 'longpoll']);
      await expectLog(r, ['fallback:streaming>longpoll:refused', 'fallback:longpoll>null:refused', 'reconnecting:streaming:refused']);
      expect(r.reconnects[0].delay).to.equal(20);
    });

    it('a 204 stops the client: an error, then close with that error', async () => {
      mock('/stream', () => new HttpResponse(null, { status: 204 }));
      const r = start(['streaming', 'longpoll']);
      await expectLog(r, ['error:closed-by-server', 'close:closed-by-server']);
      expect(r.errors[0]).to.include({ status: 204, transport: 'streaming' });
      expect(r.closes[0]).to.equal(r.errors[0]);
      await sleep(150);
      expect(asked.length).to.equal(1);
    });

    it('a 302 redirect to another path is followed', async () => {
      mock('/stream', (_n, url) => new HttpResponse(null, { status: 302, headers: { Location: BASE + '/moved/stream' + url.search } }));
      mock('/moved/stream', () => streamBody([openFrame() + '\n' + msg('1') + '\n']));
      const r = start(['streaming']);
      await expectLog(r, ['open:streaming', 'message:1']);
      expect(asked.filter((a) => a.path === '/moved/stream').length).to.be.at.least(1);
    });
  });

  describe('sse (read by the client itself: fetch streams or XHR progress)', () => {
    it('invalid UTF-8 in an event decodes to U+FFFD and the message is delivered', async () => {
      let n = 0;
      mock('/sse', () =>
        ++n === 1 ? sseBody([sseEvent(openFrame()), bytes('id: 1\ndata: {"id":"1","data":"a', [0xff, 0xe2, 0x82], 'b"}\n\n')]) : sseBody([sseEvent(openFrame('1'))]),
      );
      const r = start(['sse']);
      await expectLog(r, ['open:sse', 'message:1', 'reconnecting:sse:closed', 'open:sse']);
      expect(r.messages[0].data).to.equal('a\ufffd\ufffdb');
      expect(r.errors).to.deep.equal([]);
    });

    it('broken JSON is a protocol error; the client reconnects and resumes after the last message', async () => {
      let n = 0;
      mock('/sse', () =>
        ++n === 1
          ? sseBody([sseEvent(openFrame()), sseEvent(msg('1'), '1'), sseEvent('{"id":"2",', '2')])
          : sseBody([sseEvent(openFrame('1')), sseEvent(msg('2'), '2')]),
      );
      const r = start(['sse']);
      await expectLog(r, ['open:sse', 'message:1', 'error:protocol', 'reconnecting:sse:protocol', 'open:sse', 'message:2']);
      expect(cursors('/sse').slice(0, 2)).to.deep.equal([null, '1']);
    });

    it('unknown fields, unknown SSE fields and control frames are ignored; the messages are delivered', async () => {
      mock('/sse', () =>
        sseBody([sseEvent(openFrame()), 'foo: bar\n' + sseEvent(msg('1', 'a', { extra: 1 }), '1'), sseEvent('{"type":"future"}'), sseEvent(msg('2', 'b', { event: 'chat' }), '2')]),
      );
      const r = start(['sse']);
      await expectLog(r, ['open:sse', 'message:1', 'message:2']);
      expect(r.messages[1]).to.deep.equal({ id: '2', data: 'b', event: 'chat' });
      expect(r.errors).to.deep.equal([]);
    });

    for (const [what, frame] of WRONG_SHAPES) {
      it(`an event of the wrong shape (${what}) is a protocol error, then a reconnection`, async () => {
        let n = 0;
        mock('/sse', () => (++n === 1 ? sseBody([sseEvent(openFrame()), sseEvent(msg('1'), '1'), sseEvent(frame)]) : sseBody([sseEvent(openFrame('1'))])));
        const r = start(['sse']);
        await expectLog(r, ['open:sse', 'message:1', 'error:protocol', 'reconnecting:sse:protocol', 'open:sse']);
      });
    }

    it('a message larger than maxMessageSize is a too-large error naming it; it is skipped and the next resume starts after it', async () => {
      let n = 0;
      mock('/sse', () =>
        ++n === 1 ? sseBody([sseEvent(openFrame()), sseEvent(msg('1'), '1'), sseEvent(msg('2', 'x'.repeat(5000)), '2')]) : sseBody([sseEvent(openFrame('2')), sseEvent(msg('3'), '3')]),
      );
      const r = start(['sse'], { maxMessageSize: 1000 });
      await expectLog(r, ['open:sse', 'message:1', 'error:too-large', 'reconnecting:sse:closed', 'open:sse', 'message:3']);
      expect(r.errors[0]).to.include({ code: 'too-large', transport: 'sse', id: '2' });
      expect(cursors('/sse').slice(0, 2)).to.deep.equal([null, '2']);
    });

    for (const status of [200, 502]) {
      // The client reads the response itself: the status is known (a native EventSource hides it).
      it(`an HTML error page with status ${status} is refused with its status, and the client falls back`, async () => {
        mock('/sse', () => html(status));
        polls([]);
        const r = start(['sse', 'longpoll']);
        await expectLog(r, ['fallback:sse>longpoll:refused', 'open:longpoll']);
        expect(r.fallbacks[0].error.status).to.equal(status);
      });
    }

    it('a stream truncated inside an event: the partial event is not dispatched, the client resumes', async () => {
      let n = 0;
      mock('/sse', () =>
        ++n === 1
          ? sseBody([sseEvent(openFrame()), sseEvent(msg('1'), '1'), 'id: 2\ndata: {"id":"2","data":"d2"}\n'])
          : sseBody([sseEvent(openFrame('1')), sseEvent(msg('2'), '2')]),
      );
      const r = start(['sse']);
      await expectLog(r, ['open:sse', 'message:1', 'reconnecting:sse:closed', 'open:sse', 'message:2']);
      expect(cursors('/sse').slice(0, 2)).to.deep.equal([null, '1']);
    });

    it('a 404 falls back to the next transport', async () => {
      mock('/sse', () => body('not found', 'text/plain', 404));
      polls([]);
      const r = start(['sse', 'longpoll']);
      await expectLog(r, ['fallback:sse>longpoll:refused', 'open:longpoll']);
    });

    it('a 429 with Retry-After: the client waits that long on sse, without falling back (a native EventSource would hide both)', async () => {
      let n = 0;
      mock('/sse', () => (++n === 1 ? body('slow down', 'text/plain', 429, { 'Retry-After': '1' }) : sseBody([sseEvent(openFrame())])));
      polls([]);
      const r = start(['sse', 'longpoll']);
      await expectLog(r, ['reconnecting:sse:refused', 'open:sse']);
      expect(r.reconnects[0].error).to.include({ status: 429, retryAfter: 1000 });
      expect(r.reconnects[0].delay).to.be.at.least(1000);
    });

    it('a 204 stops the client, as on the other HTTP transports', async () => {
      mock('/sse', () => new HttpResponse(null, { status: 204 }));
      polls([]);
      const r = start(['sse', 'longpoll']);
      await expectLog(r, ['error:closed-by-server', 'close:closed-by-server']);
    });

    it('a 302 redirect to another path is followed', async () => {
      mock('/sse', (_n, url) => new HttpResponse(null, { status: 302, headers: { Location: BASE + '/moved/sse' + url.search } }));
      mock('/moved/sse', () => sseBody([sseEvent(openFrame()), sseEvent(msg('1'), '1')]));
      const r = start(['sse']);
      await expectLog(r, ['open:sse', 'message:1']);
      expect(asked.filter((a) => a.path === '/moved/sse').length).to.be.at.least(1);
    });
  });
});

// ---- WebSocket, answered by mock-socket ------------------------------------------------------------

describe('malformed input on the WebSocket (mock-socket)', () => {
  const BASE = 'http://mock.invalid/bad';
  const WS_URL = 'ws://mock.invalid/bad/ws';
  type Socket = { send(d: unknown): void; close(o?: { code: number; reason: string }): void; url: string };
  let server: Server | null = null;
  let client: Client | null = null;
  const realWebSocket = window.WebSocket;
  const urls: string[] = [];
  beforeEach(() => {
    urls.length = 0;
    (window as { WebSocket: unknown }).WebSocket = MockWebSocket;
  });
  afterEach(() => {
    client?.close();
    client = null;
    server?.stop();
    server = null;
    (window as { WebSocket: unknown }).WebSocket = realWebSocket;
  });

  /** Connection `n` (1-based) gets the frames of `script(n)`, one text frame each. */
  function serve(script: (n: number) => unknown[]) {
    server = new Server(WS_URL);
    let n = 0;
    server.on('connection', (socket) => {
      const s = socket as unknown as Socket;
      urls.push(s.url);
      const frames = script(++n);
      setTimeout(() => frames.forEach((f) => s.send(f)), 5);
    });
  }
  const lastEventIdOf = (url: string) => new URL(url.replace(/^ws/, 'http')).searchParams.get('lastEventId');
  function start(extra: Partial<ClientOptions> = {}): Recording {
    client = connect(BASE, { transports: ['websocket'], ...FAST, ...extra });
    return record(client);
  }

  it('lone surrogates and U+FFFD in a text frame are delivered as they are', async () => {
    serve(() => [openFrame(), '{"id":"1","data":"a\ud800b\ufffd"}', msg('2', '\udfff')]);
    const r = start();
    await expectLog(r, ['open:websocket', 'message:1', 'message:2']);
    expect(r.messages.map((m) => m.data)).to.deep.equal(['a\ud800b\ufffd', '\udfff']);
    expect(r.errors).to.deep.equal([]);
  });

  it('broken JSON is a protocol error; the client reconnects and resumes after the last message', async () => {
    serve((n) => (n === 1 ? [openFrame(), msg('1'), '{"id":"2","data"', msg('3')] : [openFrame('1'), msg('2')]));
    const r = start();
    await expectLog(r, ['open:websocket', 'message:1', 'error:protocol', 'reconnecting:websocket:protocol', 'open:websocket', 'message:2']);
    expect(urls.map(lastEventIdOf).slice(0, 2)).to.deep.equal([null, '1']);
    expect(r.messages.map((m) => m.id)).to.deep.equal(['1', '2']);
  });

  it('unknown fields and unknown control frames are ignored; the messages are delivered', async () => {
    serve(() => [openFrame(), msg('1', 'a', { extra: { x: [1] } }), '{"type":"future","n":1}', msg('2', 'b', { event: 'chat', more: true })]);
    const r = start();
    await expectLog(r, ['open:websocket', 'message:1', 'message:2']);
    expect(r.messages[1]).to.deep.equal({ id: '2', data: 'b', event: 'chat' });
    await sleep(50);
    expect(r.errors).to.deep.equal([]);
  });

  for (const [what, frame] of WRONG_SHAPES) {
    it(`a frame of the wrong shape (${what}) is a protocol error, then a reconnection`, async () => {
      serve((n) => (n === 1 ? [openFrame(), msg('1'), frame] : [openFrame('1')]));
      const r = start();
      await expectLog(r, ['open:websocket', 'message:1', 'error:protocol', 'reconnecting:websocket:protocol', 'open:websocket']);
      expect(urls.map(lastEventIdOf)[1]).to.equal('1');
    });
  }

  it('a binary frame is a protocol error, then a reconnection', async () => {
    serve((n) => (n === 1 ? [openFrame(), new Uint8Array([123, 125]).buffer] : [openFrame()]));
    const r = start();
    await expectLog(r, ['open:websocket', 'error:protocol', 'reconnecting:websocket:protocol', 'open:websocket']);
  });

  it('a message before the open frame is a protocol error', async () => {
    serve((n) => (n === 1 ? [msg('1')] : [openFrame()]));
    const r = start();
    await expectLog(r, ['error:protocol', 'reconnecting:websocket:protocol', 'open:websocket']);
    expect(r.messages).to.deep.equal([]);
  });

  it('a message larger than maxMessageSize is a too-large error naming it; it is skipped, the connection goes on', async () => {
    serve((n) => (n === 1 ? [openFrame(), msg('1'), msg('2', 'x'.repeat(5000)), msg('3')] : [openFrame('3')]));
    const r = start({ maxMessageSize: 1000 });
    await expectLog(r, ['open:websocket', 'message:1', 'error:too-large', 'message:3']);
    expect(r.errors[0]).to.include({ code: 'too-large', transport: 'websocket', id: '2' });
    await sleep(50);
    expect(urls.length).to.equal(1);
  });

  it('a server retry too long for a browser timer (> 2^31-1 ms) still makes the client wait', async () => {
    server = new Server(WS_URL);
    server.on('connection', (socket) => {
      const s = socket as unknown as Socket;
      urls.push(s.url);
      s.send(JSON.stringify({ type: 'open', session: 's1', resumed: false, last: null, heartbeat: 15000, retry: 3e9 }));
      setTimeout(() => s.close({ code: 1000, reason: 'bye' }), 20);
    });
    const r = start();
    await expectLog(r, ['open:websocket', 'reconnecting:websocket:closed']);
    expect(r.reconnects[0].delay).to.be.at.least(2 ** 31 - 1);
    await sleep(300);
    expect(urls.length, 'connections').to.equal(1);
  });

  it('message ids are opaque: ids that are Object.prototype names are delivered like any other', async () => {
    const ids = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '1'];
    serve(() => [openFrame(), ...ids.map((id) => msg(id))]);
    const r = start();
    await expectLog(r, ['open:websocket', ...ids.map((id) => 'message:' + id)], 3000);
  });
});
