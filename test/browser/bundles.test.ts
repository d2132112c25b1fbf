/** The built artifacts: the ES5 script-tag bundle in a page without modern globals, and the ESM entry. */
import { expect } from 'chai';
import { ALL, ORIGIN, block, drop, publishMany, receivedWhere, unblockAll, waitFor } from './helpers.js';
import type { FallbackEvent, OpenEvent } from '../../src/types.js';

interface Report { source: string; type: string; payload: Record<string, unknown> }

function legacyPage(query: string): { reports: Report[]; frame: HTMLIFrameElement; remove(): void } {
  const reports: Report[] = [];
  const onMessage = (e: MessageEvent) => {
    if (e.origin === ORIGIN && e.data && e.data.source === 'legacy') reports.push(e.data);
  };
  window.addEventListener('message', onMessage);
  const frame = document.createElement('iframe');
  frame.src = `${ORIGIN}/test/pages/legacy.html?${query}`;
  document.body.appendChild(frame);
  return {
    reports,
    frame,
    remove() {
      frame.contentWindow?.postMessage({ cmd: 'close' }, ORIGIN);
      window.removeEventListener('message', onMessage);
      frame.remove();
    },
  };
}

describe('script-tag bundle (dist/pushline.min.js)', () => {
  before(unblockAll);

  for (const [label, query, expected] of [
    ['no Promise/Symbol/Map/Set/TextDecoder', '', 'websocket'],
    ['…and no WebSocket, EventSource, fetch or ReadableStream', 'hide=WebSocket,EventSource,fetch,ReadableStream', 'sse'],
    ['…and long polling only', 'hide=WebSocket,EventSource,fetch,ReadableStream&transports=longpoll', 'longpoll'],
  ] as const) {
    it(`runs in a page with ${label}: opens on ${expected}, receives, sends`, async () => {
      const page = legacyPage(query);
      try {
        await waitFor(() => page.reports.some((r) => r.type === 'open'), 'open from the legacy page');
        const open = page.reports.find((r) => r.type === 'open')!;
        expect(open.payload.transport).to.equal(expected);
        expect(open.payload.hidden).to.equal('undefinedundefinedundefined');
        const ids = await publishMany([{ data: 'legacy 1 ü' }, { data: 'legacy 2', event: 'note' }]);
        await waitFor(() => page.reports.filter((r) => r.type === 'message').length >= 2, 'two messages');
        const got = page.reports.filter((r) => r.type === 'message').map((r) => r.payload);
        expect(got).to.deep.equal([
          { id: ids[0], data: 'legacy 1 ü', event: 'message' },
          { id: ids[1], data: 'legacy 2', event: 'note' },
        ]);
        const token = 'from legacy ' + Math.random();
        page.frame.contentWindow!.postMessage({ cmd: 'send', data: token }, ORIGIN);
        const [hit] = await receivedWhere((r) => r.data === token, 1);
        expect(hit.transport).to.equal(expected);
        expect(page.reports.filter((r) => r.type === 'error')).to.deep.equal([]);
      } finally {
        page.remove();
      }
    });
  }

  it('its EventSource polyfill streams and resumes there too, on XHR and its own listener list', async () => {
    // Reflect is hidden: the polyfill cannot build on the DOM's EventTarget and keeps its own list.
    const page = legacyPage('hide=WebSocket,EventSource,fetch,ReadableStream&eventsource=/sse');
    const of = (type: string) => page.reports.filter((r) => r.type === type).map((r) => r.payload);
    try {
      await waitFor(() => of('open').length === 1, 'open from the legacy page');
      expect(of('open')[0]).to.deep.equal({ transport: 'eventsource', readyState: 1, self: true, target: true, hidden: 'undefinedundefinedundefined' });
      const [first] = await publishMany([{ data: 'legacy 1 ü' }]);
      await waitFor(() => of('message').length === 1, 'a message');
      await drop();
      await waitFor(() => of('error').length === 1, 'the error of the dropped stream');
      const [second] = await publishMany([{ data: 'legacy 2' }]);
      await waitFor(() => of('message').length === 2, 'the message after the reconnection', 10000);
      expect(of('message')).to.deep.equal([
        { id: first, data: 'legacy 1 ü', event: 'message' },
        { id: second, data: 'legacy 2', event: 'message' },
      ]);
      expect(of('error')).to.deep.equal([{ readyState: 0, onceCalls: 1, isEventTarget: false }]);
      expect(of('open').length).to.equal(2);
    } finally {
      page.remove();
    }
  });

  it('defines the global Pushline with connect and version', async () => {
    const page = legacyPage('transports=longpoll');
    try {
      await waitFor(() => page.reports.some((r) => r.type === 'loaded'), 'the page to load');
      const loaded = page.reports.find((r) => r.type === 'loaded')!;
      expect(loaded.payload).to.deep.equal({ version: '0.1.0', hasConnect: 'function', eventSource: 'function', polyfill: 'function' });
    } finally {
      page.remove();
    }
  });
});

describe('the two script-tag bundles', () => {
  function load(bundle: string): Promise<{ names: string[]; remember: string }> {
    return new Promise((resolve, reject) => {
      const frame = document.createElement('iframe');
      const timer = setTimeout(() => done(new Error(bundle + ' did not report')), 5000);
      const onMessage = (e: MessageEvent) => {
        if (e.origin === ORIGIN && e.data && e.data.source === 'bundle' && e.data.bundle === bundle) done(null, e.data);
      };
      function done(error: Error | null, data?: { names: string[]; remember: string }) {
        clearTimeout(timer);
        window.removeEventListener('message', onMessage);
        frame.remove();
        if (error) reject(error);
        else resolve(data!);
      }
      window.addEventListener('message', onMessage);
      frame.src = `${ORIGIN}/test/pages/bundle.html?bundle=${bundle}`;
      document.body.appendChild(frame);
    });
  }
  const CORE = ['Client', 'DEFAULT_TRANSPORTS', 'EventSource', 'PushlineEventSource', 'client', 'connect', 'createClient', 'longpoll', 'polyfill', 'sse', 'streaming', 'version', 'websocket'];

  it('pushline.min.js has the core API; an optional feature\'s option names the full bundle', async () => {
    const got = await load('pushline.min.js');
    expect(got.names).to.deep.equal(CORE);
    expect(got.remember).to.equal('TypeError: Pushline: `remember` needs its feature (createClient `features`, or pushline.full.min.js)');
  });

  it('pushline.full.min.js also has the optional features, and connect() takes their options', async () => {
    const got = await load('pushline.full.min.js');
    expect(got.names).to.deep.equal([...CORE, 'FEATURES', 'remembering', 'sharing', 'upgrading'].sort());
    expect(got.remember).to.equal('ok');
  });
});

describe('ESM entry (dist/pushline.mjs)', () => {
  it('exports connect, which delivers messages', async () => {
    // A computed URL: the built file, not the TypeScript source, is under test here.
    const url = new URL('../../dist/pushline.mjs', import.meta.url).href;
    const mod = (await import(url)) as typeof import('../../src/index.js');
    expect(mod.connect).to.be.a('function');
    expect(mod.EventSource).to.equal(mod.PushlineEventSource);
    expect(mod.polyfill).to.be.a('function');
    const client = mod.connect(ORIGIN, { transports: ['websocket'] });
    const got: string[] = [];
    client.on('message', (m) => got.push(m.data));
    await new Promise((r) => client.once('open', () => r(null)));
    await publishMany([{ data: 'esm' }]);
    await waitFor(() => got.length === 1, 'one message');
    expect(got).to.deep.equal(['esm']);
    client.close();
  });

  // The ESM build renames internal members (`_name` -> `_a`...) by one table for all its chunks
  // (rollup.config.mjs): the policy and the features (shared chunk) and each transport (entry
  // chunk) run on the renamed build here.
  const esm = () => import(new URL('../../dist/pushline.mjs', import.meta.url).href) as Promise<typeof import('../../src/index.js')>;

  for (const transport of ALL) {
    it(`${transport}: delivers, resumes after a drop without loss or duplicates, and sends`, async () => {
      const mod = await esm();
      const client = mod.connect(ORIGIN, { transports: [transport] });
      const got: string[] = [];
      const opens: OpenEvent[] = [];
      client.on('message', (m) => got.push(m.data));
      client.on('open', (e) => opens.push(e));
      try {
        await waitFor(() => opens.length === 1, 'open');
        await publishMany([{ data: 'a' }, { data: 'b' }]);
        await waitFor(() => got.length === 2, 'two messages');
        await drop();
        await publishMany([{ data: 'c' }]); // while the connection is down, or as it comes back
        await waitFor(() => got.length === 3, 'the third message');
        expect(got).to.deep.equal(['a', 'b', 'c']);
        // A long poll cut between requests may be retried without a new open; any reopening resumed.
        expect(opens.map((e) => [e.transport, e.resumed])).to.deep.equal([[transport, false], ...opens.slice(1).map(() => [transport, true])]);
        if (transport !== 'longpoll') expect(opens.length).to.equal(2);
        const text = 'esm-send-' + transport + '-' + Math.random();
        expect(client.send(text)).to.equal(true);
        await receivedWhere((r) => r.data === text, 1);
      } finally {
        client.close();
      }
    });
  }

  it('a feature that reaches into the client works on the renamed build (remember)', async () => {
    const mod = await esm();
    const key = 'pushline:transport:' + ORIGIN;
    localStorage.removeItem(key);
    await block('websocket', 'refuse');
    try {
      const first = mod.connect(ORIGIN, { remember: true, transports: ['websocket', 'streaming'] });
      const fallbacks: FallbackEvent[] = [];
      first.on('fallback', (f) => fallbacks.push(f));
      const opened = await new Promise<OpenEvent>((r) => first.once('open', r));
      first.close();
      expect([opened.transport, fallbacks.map((f) => f.transport)]).to.deep.equal(['streaming', ['websocket']]);
      expect(localStorage.getItem(key)).to.contain('streaming');
      // The next page load starts on the remembered transport: no refused WebSocket first.
      const second = mod.connect(ORIGIN, { remember: true, transports: ['websocket', 'streaming'] });
      const again: FallbackEvent[] = [];
      second.on('fallback', (f) => again.push(f));
      const reopened = await new Promise<OpenEvent>((r) => second.once('open', r));
      second.close();
      expect([reopened.transport, again.length]).to.deep.equal(['streaming', 0]);
    } finally {
      localStorage.removeItem(key);
      await unblockAll();
    }
  });
});
