/** Declarative set-up from the script tag's data-* attributes, and the remembered transport. */
import { expect } from 'chai';
import { connect, createClient, remembering, sharing, sse, upgrading, websocket } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { FallbackEvent, OpenEvent } from '../../src/types.js';
import { ORIGIN, block, next, publishMany, sleep, unblockAll, waitFor } from './helpers.js';

describe('declarative set-up (data-* attributes)', () => {
  before(unblockAll);

  it('creates Pushline.client from the script tag, with the options it names', async () => {
    const reports: { type: string; payload: Record<string, unknown> }[] = [];
    const onMessage = (e: MessageEvent) => {
      if (e.origin === ORIGIN && e.data?.source === 'declarative') reports.push(e.data);
    };
    window.addEventListener('message', onMessage);
    const frame = document.createElement('iframe');
    frame.src = ORIGIN + '/test/pages/declarative.html';
    document.body.appendChild(frame);
    try {
      // The server reports the unknown id in the stream, after `open`: wait for both.
      await waitFor(() => reports.some((r) => r.type === 'open') && reports.some((r) => r.type === 'gap'), 'open and gap');
      expect(reports[0]).to.deep.equal({ source: 'declarative', type: 'loaded', payload: { hasClient: true, state: 'connecting' } });
      expect(reports.find((r) => r.type === 'open')!.payload).to.deep.equal({ transport: 'sse' });
      // data-last-event-id="007" stays a string: the server does not know it, so it says so.
      expect(reports.find((r) => r.type === 'gap')!.payload).to.deep.equal({ lastEventId: '007' });
      const ids = await publishMany([{ data: 'declared' }]);
      await waitFor(() => reports.some((r) => r.type === 'message'), 'a message');
      expect(reports.find((r) => r.type === 'message')!.payload).to.deep.equal({ id: ids[0], data: 'declared' });
    } finally {
      frame.contentWindow?.postMessage({ cmd: 'close' }, ORIGIN);
      window.removeEventListener('message', onMessage);
      frame.remove();
    }
  });
});

describe('remembered transport', () => {
  const key = 'pushline:transport:' + ORIGIN;
  let client: Client | null = null;
  beforeEach(async () => {
    localStorage.removeItem(key);
    await unblockAll();
  });
  afterEach(async () => {
    client?.close();
    localStorage.removeItem(key);
    await unblockAll();
  });

  async function open(options: Parameters<typeof connect>[1]) {
    client?.close();
    client = connect(ORIGIN, { connectTimeout: 1500, ...options });
    const fallbacks: FallbackEvent[] = [];
    client.on('fallback', (f) => fallbacks.push(f));
    const e = await next<OpenEvent>(client, 'open');
    return { transport: e.transport, fallbacks: fallbacks.map((f) => f.transport) };
  }

  it('starts the next page load on the transport that worked, and forgets it when it fails', async () => {
    await block('websocket', 'refuse');
    expect(await open({ remember: true })).to.deep.equal({ transport: 'sse', fallbacks: ['websocket'] });
    expect(JSON.parse(localStorage.getItem(key)!).transport).to.equal('sse');
    // "Next page load": a new client goes straight to sse, no waiting on websocket.
    expect(await open({ remember: true })).to.deep.equal({ transport: 'sse', fallbacks: [] });
    // sse now fails: forgotten, and the one that works is remembered instead.
    await block('sse', 'refuse');
    expect(await open({ remember: true })).to.deep.equal({ transport: 'streaming', fallbacks: ['sse'] });
    expect(JSON.parse(localStorage.getItem(key)!).transport).to.equal('streaming');
  });

  it('expires after its time to live, and is off by default', async () => {
    await block('websocket', 'refuse');
    await open({ remember: 200 });
    await unblockAll();
    expect(await open({ remember: 200 })).to.deep.equal({ transport: 'sse', fallbacks: [] });
    await sleep(300);
    expect(await open({ remember: 200 })).to.deep.equal({ transport: 'websocket', fallbacks: [] });
    localStorage.removeItem(key);
    await open({});
    expect(localStorage.getItem(key)).to.equal(null);
  });

  it('with createClient(): rides along only when given in `features`, and says so when missing', async () => {
    // An option whose feature is not in the bundle must not be ignored silently.
    expect(() => createClient(ORIGIN, { transports: [websocket, sse], remember: true })).to.throw(TypeError, /`remember` needs its feature \(createClient `features`, or pushline\.full\.min\.js\)/);
    expect(() => createClient(ORIGIN, { transports: [sse], shared: true, features: [remembering] })).to.throw(TypeError, /`shared` needs/);
    expect(() => createClient(ORIGIN, { transports: [websocket, sse], upgrade: true })).to.throw(TypeError, /`upgrade` needs/);
    await block('websocket', 'refuse');
    client = createClient(ORIGIN, { transports: [websocket, sse], remember: true, features: [remembering, sharing, upgrading], connectTimeout: 1500 });
    expect((await next<OpenEvent>(client, 'open')).transport).to.equal('sse');
    expect(JSON.parse(localStorage.getItem(key)!).transport).to.equal('sse');
    client.close();
    client = createClient(ORIGIN, { transports: [websocket, sse], remember: true, features: [remembering], connectTimeout: 1500 });
    const fallbacks: string[] = [];
    client.on('fallback', (f) => fallbacks.push(f.transport));
    expect((await next<OpenEvent>(client, 'open')).transport).to.equal('sse');
    expect(fallbacks).to.deep.equal([]); // started on sse: remembered
  });
});

describe('upgrade back to WebSocket', () => {
  let client: Client | null = null;
  beforeEach(unblockAll);
  afterEach(async () => {
    client?.close();
    await unblockAll();
  });

  for (const fallbackTo of ['sse', 'streaming', 'longpoll'] as const) {
    it(`from ${fallbackTo}: probes WebSocket and hands over mid-stream with nothing lost, repeated or reordered`, async () => {
      await block('websocket', 'refuse');
      client = connect(ORIGIN, { transports: ['websocket', fallbackTo], upgrade: 200, connectTimeout: 1500 });
      const used: string[] = [];
      client.on('open', (e) => used.push(e.transport));
      const got: string[] = [];
      client.on('message', (m) => got.push(m.id));
      await next<OpenEvent>(client, 'open');
      expect(used).to.deep.equal([fallbackTo]);
      const published: string[] = [];
      let publishing = true;
      const publisher = (async () => {
        for (let i = 0; publishing || i < 20; i++) {
          published.push(...(await publishMany(Array.from({ length: 10 }, (_, j) => ({ data: `u${i}-${j}` })))));
          await sleep(15);
          if (i > 400) break;
        }
      })();
      await sleep(300); // the first probe fails: WebSocket is still refused
      await block('websocket', null);
      await waitFor(() => used.length === 2, 'the handover to websocket', 8000);
      publishing = false;
      await publisher;
      await waitFor(() => got.length >= published.length, 'every message', 10000);
      await sleep(100);
      expect(used).to.deep.equal([fallbackTo, 'websocket']);
      expect(client.transport).to.equal('websocket');
      expect(got).to.deep.equal(published);
    });
  }

  // Off by default: test/unit/upgrade.test.ts (no probe however long the client waits).
});
