/**
 * The reference server mounted at a path (createServer({ path: '/realtime', bundles: true })), as
 * the README's quickstarts use it: a page it serves loads /pushline.min.js from the root and
 * calls Pushline.connect('/realtime'), and that works on every transport. The page is
 * cross-origin here (MOUNTED), so it reports over postMessage.
 */
import { expect } from 'chai';
import { MOUNTED } from './origin.js';
import { ALL, sleep, waitFor } from './common.js';

interface Report {
  source: string;
  type: string;
  payload: Record<string, unknown>;
}

/** A control of the mounted server: at its root, whatever its path. */
async function control(name: string, body: unknown): Promise<Response> {
  const res = await fetch(`${MOUNTED}/_control/${name}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`control ${name}: HTTP ${res.status}`);
  return res;
}

/**
 * Frames a page of the mounted server and hands what it posts to `onData`: from this frame only,
 * since a page of an earlier test may still post as it goes away.
 */
function frameOf(src: string, onData: (data: Record<string, unknown>) => void): { frame: HTMLIFrameElement; remove(): void } {
  const frame = document.createElement('iframe');
  const onMessage = (e: MessageEvent) => {
    if (e.source === frame.contentWindow && e.data) onData(e.data);
  };
  window.addEventListener('message', onMessage);
  frame.src = MOUNTED + src;
  frame.style.width = '1000px';
  frame.style.height = '700px';
  document.body.appendChild(frame);
  return {
    frame,
    remove() {
      window.removeEventListener('message', onMessage);
      frame.remove();
    },
  };
}

/** test/pages/mounted.html with one transport: its reports, in order. */
function mountedPage(transport: string): { reports: Report[]; frame: HTMLIFrameElement; remove(): void } {
  const reports: Report[] = [];
  const page = frameOf(`/test/pages/mounted.html?transport=${transport}`, (data) => {
    if (data.source === 'mounted') reports.push(data as unknown as Report);
  });
  return {
    reports,
    frame: page.frame,
    remove() {
      page.frame.contentWindow?.postMessage({ cmd: 'close' }, MOUNTED);
      page.remove();
    },
  };
}

/** Frames a page of the mounted server; resolves with the first thing it posts that `pick` takes. */
async function firstFrom<T>(src: string, pick: (data: Record<string, unknown>) => T | undefined, what: string): Promise<T> {
  let found: T | undefined;
  const page = frameOf(src, (data) => {
    if (found === undefined) found = pick(data);
  });
  try {
    await waitFor(() => found !== undefined, what, 20000);
    return found!;
  } finally {
    page.remove();
  }
}

describe("a server mounted at /realtime: Pushline.connect('/realtime') from a page it serves", () => {
  it('has its endpoints under /realtime only, and the bundle at the root', async () => {
    expect((await fetch(`${MOUNTED}/realtime/poll`)).status).to.equal(200);
    expect((await fetch(`${MOUNTED}/poll`)).status).to.equal(404);
    const bundle = await fetch(`${MOUNTED}/pushline.min.js`);
    expect([bundle.status, await bundle.text()]).to.deep.equal([200, await (await fetch(`${MOUNTED}/dist/pushline.min.js`)).text()]);
  });

  for (const transport of ALL) {
    it(`opens on ${transport}, receives what is published, and sends`, async () => {
      const page = mountedPage(transport);
      const of = (type: string) => page.reports.filter((r) => r.type === type).map((r) => r.payload);
      try {
        await waitFor(() => of('open').length > 0 || of('error').length > 0, 'open from the page');
        expect(of('open'), JSON.stringify(page.reports)).to.deep.equal([{ transport, resumed: false }]);
        const res = await control('publish', [{ data: `to ${transport} 1` }, { data: `to ${transport} 2`, event: 'note' }]);
        const { ids } = (await res.json()) as { ids: string[] };
        await waitFor(() => of('message').length >= 2, 'two messages');
        expect(of('message')).to.deep.equal([
          { id: ids[0], data: `to ${transport} 1`, event: 'message' },
          { id: ids[1], data: `to ${transport} 2`, event: 'note' },
        ]);
        const token = `from the mounted page over ${transport} ${Math.random()}`;
        page.frame.contentWindow!.postMessage({ cmd: 'send', data: token }, MOUNTED);
        let received: { data: string; transport: string }[] = [];
        for (const end = Date.now() + 10000; !received.length && Date.now() < end; await sleep(30)) {
          received = await (await fetch(`${MOUNTED}/_control/received?prefix=${encodeURIComponent(token)}`)).json();
        }
        expect(received.map((r) => [r.data, r.transport])).to.deep.equal([[token, transport]]);
        expect(of('error')).to.deep.equal([]);
        expect(of('fallback')).to.deep.equal([]);
      } finally {
        page.remove();
      }
    });
  }

  it('the demo page connects to its ?endpoint=/realtime (the link pushline-server --path prints)', async () => {
    const snapshot = await firstFrom(
      '/demo/index.html?endpoint=%2Frealtime',
      (d) => {
        const s = d.source === 'pushline-demo' ? (d.snapshot as { state: string; transport: string } | undefined) : undefined;
        return s && s.state === 'open' ? s : undefined;
      },
      'the demo open',
    );
    expect(snapshot.transport).to.equal('websocket');
  });

  it('the doctor checks ?endpoint=/realtime and finds the test controls at the root, so it measures every latency', async function () {
    this.timeout(30000);
    const report = await firstFrom(
      '/demo/doctor.html?auto=1&timeout=1500&endpoint=%2Frealtime',
      (d) => (d.source === 'pushline-doctor' && d.type === 'result' ? (d as { controls: boolean; results: { transport: string; outcome: string; latencyMs: number | null }[] }) : undefined),
      'the doctor result',
    );
    expect(report.controls).to.equal(true);
    expect(report.results.map((r) => [r.transport, r.outcome])).to.deep.equal(ALL.map((t) => [t, 'opened']));
    for (const r of report.results) expect(r.latencyMs, r.transport).to.be.a('number');
  });
});
