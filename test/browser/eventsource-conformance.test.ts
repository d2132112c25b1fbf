/**
 * EventSource conformance, written from the WHATWG HTML standard ("Server-sent events").
 * Every scenario runs against the browser's native EventSource and against Pushline's polyfill
 * on identical bytes (test/fixtures/sse-fixtures.mjs). The polyfill must pass every scenario;
 * the native score is reported next to it (an engine bug there is listed, not hidden).
 */
import { expect } from 'chai';
import { PushlineEventSource } from '../../src/index.js';
import { ORIGIN, sleep, waitFor } from './helpers.js';

type Impl = { name: string; ES: typeof EventSource };
const impls: Impl[] = [
  { name: 'polyfill', ES: PushlineEventSource as unknown as typeof EventSource },
  ...(typeof EventSource === 'function' ? [{ name: 'native', ES: EventSource }] : []),
];

interface Seen {
  kind: string;
  type?: string;
  data?: string;
  lastEventId?: string;
  origin?: string;
  readyState: number;
}

function record(es: EventSource, names: string[] = []): Seen[] {
  const seen: Seen[] = [];
  const add = (kind: string) => (e: Event) => {
    const m = e as MessageEvent;
    seen.push(kind === 'message' ? { kind, type: m.type, data: m.data, lastEventId: m.lastEventId, origin: m.origin, readyState: es.readyState } : { kind, readyState: es.readyState });
  };
  es.onopen = add('open');
  es.onmessage = add('message');
  es.onerror = add('error');
  for (const n of names) es.addEventListener(n, add('message'));
  return seen;
}

const token = () => Math.random().toString(36).slice(2);
const fixture = (name: string, t: string, q = '') => `/sse-fixture/${name}?token=${t}${q}`;
async function count(t: string): Promise<{ count: number; lastEventId: string | null }> {
  return (await fetch(`/sse-fixture/count?token=${t}`)).json();
}
const messages = (seen: Seen[]) => seen.filter((s) => s.kind === 'message').map((s) => [s.type, s.data, s.lastEventId]);

interface Scenario {
  name: string;
  run(ES: typeof EventSource): Promise<void>;
}

const scenarios: Scenario[] = [
  {
    name: 'parses BOM, CR/LF/CRLF, comments, names, ids (U+0000 ignored), multi-line data',
    async run(ES) {
      const es = new ES(fixture('basic', token()));
      const seen = record(es, ['chat']);
      await waitFor(() => seen.some((s) => s.kind === 'error'), 'the stream to end');
      es.close();
      expect(seen[0]).to.deep.equal({ kind: 'open', readyState: 1 });
      expect(messages(seen)).to.deep.equal([
        ['chat', 'one', '1'],
        ['message', 'two\nlines', '1'],
        ['message', 'three', '1'],
        ['message', 'four', ''],
        ['message', ' spaced', ''],
        ['message', '', ''],
      ]);
      expect(seen.filter((s) => s.kind === 'message').every((s) => s.origin === location.origin)).to.equal(true);
    },
  },
  {
    name: 'decodes UTF-8 split across network chunks',
    async run(ES) {
      const es = new ES(fixture('utf8', token()));
      const seen = record(es);
      await waitFor(() => messages(seen).length === 1, 'one event');
      es.close();
      expect(messages(seen)[0][1]).to.equal('héllo 😀 中文');
    },
  },
  {
    name: 'reconnects after the stream ends, with the retry time and Last-Event-ID',
    async run(ES) {
      const t = token();
      const es = new ES(fixture('reconnect', t));
      const seen = record(es);
      await waitFor(() => messages(seen).length === 2, 'two events', 8000);
      es.close();
      expect(seen.map((s) => [s.kind, s.readyState])).to.deep.equal([
        ['open', 1], ['message', 1], ['error', 0], ['open', 1], ['message', 1],
      ]);
      expect(messages(seen)[1][1]).to.equal('last=5 query=');
      expect(messages(seen)[1][2]).to.equal('5');
      expect((await count(t)).lastEventId).to.equal('5');
    },
  },
  {
    name: 'does not dispatch an event cut off by the end of the stream',
    async run(ES) {
      const es = new ES(fixture('truncated', token()));
      const seen = record(es);
      await waitFor(() => seen.some((s) => s.kind === 'error'), 'the end');
      es.close();
      expect(messages(seen)).to.deep.equal([['message', 'complete', '']]);
    },
  },
  ...(['status-500', 'status-404', 'status-204', 'wrong-type', 'html-page'] as const).map((name) => ({
    name: `fails without reconnecting: ${name}`,
    async run(ES: typeof EventSource) {
      const t = token();
      const es = new ES(fixture(name, t));
      const seen = record(es);
      await waitFor(() => seen.some((s) => s.kind === 'error'), 'error');
      await sleep(400);
      expect(seen).to.deep.equal([{ kind: 'error', readyState: 2 }]);
      expect(es.readyState).to.equal(2);
      expect((await count(t)).count).to.equal(1);
    },
  })),
  {
    name: 'follows redirects',
    async run(ES) {
      const es = new ES(fixture('redirect', token()));
      const seen = record(es, ['chat']);
      await waitFor(() => messages(seen).length >= 1, 'an event');
      es.close();
      expect(messages(seen)[0]).to.deep.equal(['chat', 'one', '1']);
    },
  },
  {
    name: 'exposes url, withCredentials, readyState and the constants',
    async run(ES) {
      const path = fixture('silent', token());
      const es = new ES(path);
      expect(es.url).to.equal(new URL(path, location.href).href);
      expect(es.withCredentials).to.equal(false);
      expect(es.readyState).to.equal(0);
      expect([ES.CONNECTING, ES.OPEN, ES.CLOSED, es.CONNECTING, es.OPEN, es.CLOSED]).to.deep.equal([0, 1, 2, 0, 1, 2]);
      await waitFor(() => es.readyState === 1, 'open');
      es.close();
      expect(es.readyState).to.equal(2);
    },
  },
  {
    name: 'close() stops all events',
    async run(ES) {
      const es = new ES(fixture('hold', token()));
      const seen = record(es);
      await waitFor(() => messages(seen).length === 1, 'first event');
      es.close();
      await sleep(400);
      expect(messages(seen).length).to.equal(1);
      expect(seen.filter((s) => s.kind === 'error').length).to.equal(0);
    },
  },
  {
    name: 'throws SyntaxError for an invalid URL',
    async run(ES) {
      let err: unknown = null;
      try {
        new ES('http://[not a host');
      } catch (e) {
        err = e;
      }
      expect((err as Error)?.name).to.equal('SyntaxError');
    },
  },
  {
    name: 'addEventListener / removeEventListener / dispatchEvent for named events',
    async run(ES) {
      const es = new ES(fixture('basic', token()));
      const got: string[] = [];
      const fn = (e: Event) => got.push((e as MessageEvent).data);
      es.addEventListener('chat', fn);
      es.addEventListener('chat', fn); // the same listener twice is one listener
      await waitFor(() => got.length >= 1, 'a chat event');
      es.removeEventListener('chat', fn);
      es.close();
      expect(got).to.deep.equal(['one']);
      let custom = 0;
      es.addEventListener('custom', () => custom++);
      es.dispatchEvent(new Event('custom'));
      expect(custom).to.equal(1);
    },
  },
  {
    name: 'withCredentials: opens a cross-origin stream with credentials',
    async run(ES) {
      const es = new ES(ORIGIN + '/sse', { withCredentials: true });
      const seen = record(es);
      await waitFor(() => messages(seen).length >= 1, 'the open frame', 8000);
      es.close();
      expect(es.withCredentials).to.equal(true);
      expect(messages(seen)[0][1]).to.contain('"type":"open"');
      expect(seen.filter((s) => s.kind === 'message')[0].origin).to.equal(ORIGIN);
    },
  },
];

describe('EventSource conformance (native vs polyfill)', () => {
  const scores: Record<string, { passed: number; failed: string[] }> = {};
  after(() => {
    const line = impls.map((i) => `${i.name} ${scores[i.name]?.passed ?? 0}/${scenarios.length}`).join(', ');
    console.log(`EventSource conformance: ${line}`);
    for (const i of impls) for (const f of scores[i.name]?.failed ?? []) console.log(`  ${i.name} failed: ${f}`);
  });

  for (const s of scenarios) {
    it(s.name, async () => {
      let polyfillError: unknown = null;
      for (const impl of impls) {
        const score = (scores[impl.name] ??= { passed: 0, failed: [] });
        try {
          await s.run(impl.ES);
          score.passed++;
        } catch (e) {
          score.failed.push(`${s.name}: ${(e as Error).message}`);
          if (impl.name === 'polyfill') polyfillError = e;
        }
      }
      if (polyfillError) throw polyfillError;
    });
  }

  it('Pushline.polyfill() installs only where EventSource is missing, and reports whether it did', async () => {
    const { polyfill } = await import('../../src/index.js');
    const native = window.EventSource;
    try {
      expect(polyfill()).to.equal(false);
      expect(window.EventSource).to.equal(native);
      delete (window as { EventSource?: unknown }).EventSource;
      expect(polyfill()).to.equal(true);
      expect(window.EventSource).to.equal(PushlineEventSource);
      // With the native one gone, the polyfill alone still streams.
      const es = new window.EventSource(fixture('basic', token()));
      const seen = record(es, ['chat']);
      await waitFor(() => messages(seen).length >= 1, 'an event');
      es.close();
      expect(messages(seen)[0]).to.deep.equal(['chat', 'one', '1']);
    } finally {
      window.EventSource = native;
    }
  });
});

describe('EventSource polyfill extras (off by default)', () => {
  it('lastEventIdQueryParameter sends the last id in the query too', async () => {
    const es = new PushlineEventSource(fixture('reconnect', token()), { lastEventIdQueryParameter: 'lei' });
    const seen = record(es as unknown as EventSource);
    await waitFor(() => messages(seen).length === 2, 'two events', 8000);
    es.close();
    expect(messages(seen)[1][1]).to.equal('last=5 query=5');
  });

  it('headers are sent with every request', async () => {
    const t = token();
    const es = new PushlineEventSource(fixture('echo-headers', t), { headers: { 'X-Pushline-Test': 'yes', Authorization: 'Bearer abc' } });
    const seen = record(es as unknown as EventSource);
    await waitFor(() => messages(seen).length === 1, 'one event');
    es.close();
    expect(JSON.parse(messages(seen)[0][1] as string)).to.deep.equal({ 'x-pushline-test': 'yes', authorization: 'Bearer abc' });
  });

  it('heartbeatTimeout reconnects a stream that went silent', async () => {
    const t = token();
    const es = new PushlineEventSource(fixture('silent', t), { heartbeatTimeout: 300 });
    const seen = record(es as unknown as EventSource);
    await waitFor(() => seen.filter((s) => s.kind === 'open').length >= 2, 'a second open', 8000);
    es.close();
    expect(seen.slice(0, 3).map((s) => [s.kind, s.readyState])).to.deep.equal([['open', 1], ['error', 0], ['open', 1]]);
    expect((await count(t)).count).to.be.greaterThan(1);
  });

  it('without extras, a silent stream stays open', async () => {
    const es = new PushlineEventSource(fixture('silent', token()));
    const seen = record(es as unknown as EventSource);
    await sleep(600);
    es.close();
    expect(seen.map((s) => s.kind)).to.deep.equal(['open']);
  });
});
