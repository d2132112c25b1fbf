/**
 * The live demo (demo/index.html), served by the reference server, clicked through as a person
 * would, asserting what the page shows. The page is cross-origin here (ORIGIN), so it is driven
 * over postMessage: it posts a snapshot of what it shows after every update (demo/demo.js).
 */
import { expect } from 'chai';
import { ORIGIN, block, sleep, unblockAll } from './helpers.js';

interface Line {
  kind: string;
  text: string;
}
/** client.stats() as the page shows it: null where it shows '–' (roundTrip before any answer). */
interface ShownStats {
  attempts: number | null;
  fallbacks: number | null;
  reconnects: number | null;
  resumes: number | null;
  gaps: number | null;
  messages: number | null;
  bytes: number | null;
  roundTrip: number | null;
}
interface Snapshot {
  state: string;
  transport: string;
  lastId: string;
  count: number;
  fallbacks: number;
  reconnects: number;
  race: string;
  stats: ShownStats;
  ladder: string;
  order: string;
  modes: Record<string, string>;
  conns: Record<string, string>;
  messages: Line[];
  events: Line[];
  received: Line[];
}

interface DemoPage {
  readonly shown: Snapshot | null;
  click(id: string): void;
  set(id: string, value: string): void;
  until(what: string, pred: (s: Snapshot) => boolean, ms?: number): Promise<Snapshot>;
  remove(): void;
}

function demoPage(query = ''): DemoPage {
  let shown: Snapshot | null = null;
  const onMessage = (e: MessageEvent) => {
    if (e.origin === ORIGIN && e.data && e.data.source === 'pushline-demo') shown = e.data.snapshot as Snapshot;
  };
  window.addEventListener('message', onMessage);
  const frame = document.createElement('iframe');
  frame.src = `${ORIGIN}/demo/index.html${query}`;
  frame.style.width = '1000px';
  frame.style.height = '700px';
  document.body.appendChild(frame);
  const post = (msg: Record<string, unknown>) => frame.contentWindow!.postMessage({ target: 'pushline-demo', ...msg }, ORIGIN);
  return {
    get shown() {
      return shown;
    },
    click: (id) => post({ cmd: 'click', id }),
    set: (id, value) => post({ cmd: 'set', id, value }),
    async until(what, pred, ms = 10000) {
      const end = Date.now() + ms;
      for (;;) {
        const s = shown;
        if (s && pred(s)) return s;
        if (Date.now() > end) throw new Error(`timed out waiting for the demo to show ${what}; it shows ${JSON.stringify(s)}`);
        await sleep(20);
      }
    },
    remove() {
      window.removeEventListener('message', onMessage);
      frame.remove(); // unloading the page closes its client
    },
  };
}

/** The id shown at the start of a message line: '#12  hello   via sse' → '12'. */
const idOf = (line: Line) => /^#(\S+)/.exec(line.text)![1];
const lineWith = (lines: Line[], kind: string, text: string) => lines.some((l) => l.kind === kind && l.text.includes(text));

describe('demo page (demo/index.html)', function () {
  this.timeout(40000);
  let page: DemoPage | null = null;

  before(unblockAll);
  afterEach(async () => {
    page?.remove();
    page = null;
    await unblockAll();
  });

  it('shows publish, then the fallback away from a refused WebSocket after a drop, then the resume', async () => {
    page = demoPage();
    const token = 'demo ' + Math.random().toString(36).slice(2, 8);
    let s = await page.until('open on websocket', (x) => x.state === 'open' && x.transport === 'websocket');
    expect(s.count).to.equal(0);
    expect(s.lastId).to.equal('–');
    expect(lineWith(s.events, 'open', 'open on websocket')).to.equal(true);
    expect(s.stats).to.include({ attempts: 1, fallbacks: 0, reconnects: 0, resumes: 0, gaps: 0, messages: 0, bytes: 0 });
    expect(s.stats.roundTrip).to.be.a('number').and.at.least(0);
    expect(s.race).to.equal('–');

    page.set('text', token + ' one');
    page.click('publish');
    s = await page.until('the published message', (x) => x.count === 1 && x.stats.messages === 1);
    expect(s.stats.bytes).to.equal((token + ' one').length);
    expect(s.messages).to.have.length(1);
    expect(s.messages[0].text).to.contain(token + ' one').and.contain('via websocket');
    const first = idOf(s.messages[0]);
    expect(s.lastId).to.equal(first);

    page.click('block-websocket-refuse');
    s = await page.until('websocket blocked', (x) => x.modes.websocket === 'refuse');
    expect(lineWith(s.events, 'you', 'block websocket (refuse)')).to.equal(true);
    page.click('drop');
    s = await page.until('open on another transport', (x) => x.state === 'open' && x.transport !== 'websocket' && x.transport !== '–');
    expect(s.transport).to.equal('sse'); // the next one in the default order
    expect(lineWith(s.events, 'reconnecting', 'reconnecting on websocket')).to.equal(true);
    expect(lineWith(s.events, 'fallback', 'fallback: websocket refused')).to.equal(true);
    expect(lineWith(s.events, 'open', `open on sse — resumed after #${first}`)).to.equal(true);
    expect(s.fallbacks).to.be.at.least(1);
    expect(s.reconnects).to.be.at.least(1);
    expect(s.ladder).to.contain('websocket (refused)');
    // The same client: its own counters agree with the events the page counted.
    expect(s.stats.fallbacks).to.equal(s.fallbacks);
    expect(s.stats.reconnects).to.equal(s.reconnects);
    expect(s.stats.resumes).to.equal(1);
    expect(s.stats.attempts).to.be.at.least(3); // websocket, the refused websocket, sse
    expect(s.stats.gaps).to.equal(0);

    page.set('text', token + ' two');
    page.click('publish');
    s = await page.until('the second message', (x) => x.count === 2 && x.stats.messages === 2);
    expect(s.stats.bytes).to.equal((token + ' one').length + (token + ' two').length);
    expect(s.messages[0].text).to.contain(token + ' two').and.contain('via sse');
    expect(s.messages[1].text).to.contain(token + ' one');
    expect(s.lastId).to.equal(idOf(s.messages[0])).and.not.equal(first);

    page.set('text', token + ' to server');
    page.click('send');
    s = await page.until('what the server received', (x) => x.received.some((r) => r.text.includes(token + ' to server')));
    expect(s.received.find((r) => r.text.includes(token + ' to server'))!.text).to.contain('via sse');

    page.click('block-websocket-none');
    s = await page.until('websocket unblocked', (x) => x.modes.websocket === 'open');
    expect(lineWith(s.events, 'you', 'unblock websocket')).to.equal(true);
    expect(s.events.filter((l) => l.kind === 'error' || l.kind === 'gap')).to.deep.equal([]);
  });

  it('"Drop, then publish 3" shows the three messages after a resumed open, none lost or repeated', async () => {
    page = demoPage();
    const token = 'burst ' + Math.random().toString(36).slice(2, 8);
    await page.until('open', (x) => x.state === 'open');
    page.set('text', token);
    page.click('publish');
    let s = await page.until('one message', (x) => x.count === 1);
    const first = idOf(s.messages[0]);
    page.click('drop-publish');
    s = await page.until('the three replayed messages', (x) => x.count === 4 && x.state === 'open');
    expect(s.messages.map((m) => m.text.replace(/\s+via \S+$/, '').replace(/^#\S+\s+/, ''))).to.deep.equal([
      `${token} 3/3`,
      `${token} 2/3`,
      `${token} 1/3`,
      token,
    ]);
    expect(new Set(s.messages.map(idOf)).size).to.equal(4);
    expect(lineWith(s.events, 'open', `resumed after #${first}`)).to.equal(true);
    expect(s.lastId).to.equal(idOf(s.messages[0]));
  });

  it('the fallback-order selector reconnects with the chosen order and resumes', async () => {
    page = demoPage();
    let s = await page.until('open on websocket', (x) => x.state === 'open' && x.transport === 'websocket');
    expect(s.order).to.equal('websocket,sse,streaming,longpoll');
    page.set('text', 'before switching');
    page.click('publish');
    s = await page.until('one message', (x) => x.count === 1);
    const first = idOf(s.messages[0]);
    page.set('order', 'longpoll');
    page.click('apply-order');
    s = await page.until('open on longpoll', (x) => x.state === 'open' && x.transport === 'longpoll');
    expect(s.ladder).to.equal('longpoll');
    // A new client: client.stats() counts from zero, the page's own counters go on.
    expect(s.count).to.equal(1);
    expect(s.stats).to.include({ attempts: 1, resumes: 1, messages: 0, bytes: 0 });
    expect(lineWith(s.events, 'you', `connect: longpoll, resuming after #${first}`)).to.equal(true);
    expect(lineWith(s.events, 'open', `open on longpoll — resumed after #${first}`)).to.equal(true);
    page.set('text', 'over long polling');
    page.click('publish');
    s = await page.until('a message over long polling', (x) => x.count === 2);
    expect(s.messages[0].text).to.contain('over long polling').and.contain('via longpoll');
  });

  it('shows the race when WebSocket hangs: SSE opens first, WebSocket gives up later', async () => {
    await block('websocket', 'hang');
    page = demoPage();
    let s = await page.until('open on sse', (x) => x.state === 'open' && x.transport === 'sse');
    expect(s.race).to.equal('sse over websocket');
    expect(lineWith(s.events, 'race', 'race: sse opened first while websocket was still trying')).to.equal(true);
    expect(s.stats.attempts).to.equal(2);
    expect(s.stats.fallbacks).to.equal(0);
    // The demo's connectTimeout is 3 s: then the hanging WebSocket attempt is reported.
    s = await page.until('websocket giving up', (x) => x.race === 'sse over websocket (timeout)', 8000);
    expect(s.stats.fallbacks).to.equal(1);
    expect(lineWith(s.events, 'fallback', 'fallback: websocket timeout')).to.equal(true);
    expect(s.transport).to.equal('sse');
  });

  it('?order= preselects a fallback order', async () => {
    page = demoPage('?order=streaming,longpoll');
    const s = await page.until('open on streaming', (x) => x.state === 'open' && x.transport === 'streaming');
    expect(s.order).to.equal('streaming,longpoll');
    expect(s.ladder).to.equal('streaming→longpoll');
  });
});
