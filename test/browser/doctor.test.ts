/**
 * The network doctor (demo/doctor.html), served by the reference server and framed from another
 * origin as demo.test.ts does: with ?auto=1 it checks every transport at once and posts its
 * results to the parent when done (demo/doctor.js).
 */
import { expect } from 'chai';
import { ALL, ENGINE, ORIGIN, block, sleep, unblockAll } from './helpers.js';
import type { TransportName } from '../../src/types.js';

interface Result {
  transport: TransportName;
  supported: boolean;
  outcome: string;
  openMs: number | null;
  latencyMs: number | null;
  verdict: string;
  text: string;
  detail: string;
}
interface Race {
  transport: TransportName | null;
  openMs: number | null;
  firstMessageMs: number | null;
  tried: { transport: TransportName; atMs: number }[];
  losers: { transport: TransportName; reason: string; elapsed: number }[];
  error: string | null;
}
interface Report {
  source: 'pushline-doctor';
  type: 'result';
  endpoint: string;
  controls: boolean;
  results: Result[];
  recommended: TransportName[];
  race: Race;
  snippet: string;
}

// Firefox shows an HTTP response to the page only once its first body bytes arrive, so a stream
// whose body is held back is a `timeout` there, not `buffered` (README, "Engine differences").
const firefox = ENGINE === 'firefox';

interface DoctorPage {
  report(ms?: number): Promise<Report>;
  remove(): void;
}

function doctorPage(query: string): DoctorPage {
  let report: Report | null = null;
  const onMessage = (e: MessageEvent) => {
    if (e.origin === ORIGIN && e.data && e.data.source === 'pushline-doctor' && e.data.type === 'result') report = e.data as Report;
  };
  window.addEventListener('message', onMessage);
  const frame = document.createElement('iframe');
  frame.src = `${ORIGIN}/demo/doctor.html${query}`;
  frame.style.width = '1000px';
  frame.style.height = '700px';
  document.body.appendChild(frame);
  return {
    async report(ms = 20000) {
      const end = Date.now() + ms;
      while (!report) {
        if (Date.now() > end) throw new Error('the doctor posted no result within ' + ms + ' ms');
        await sleep(20);
      }
      return report;
    },
    remove() {
      window.removeEventListener('message', onMessage);
      frame.remove();
    },
  };
}

const byTransport = (r: Report) => Object.fromEntries(r.results.map((x) => [x.transport, x])) as Record<TransportName, Result>;

describe('network doctor (demo/doctor.html)', function () {
  this.timeout(30000);
  let page: DoctorPage | null = null;

  before(unblockAll);
  afterEach(async () => {
    page?.remove();
    page = null;
    await unblockAll();
  });

  it('with nothing blocked: every transport opens, with latencies, and WebSocket comes first', async () => {
    page = doctorPage(`?auto=1&timeout=1500&endpoint=${ORIGIN}`);
    const report = await page.report();
    expect(report.endpoint).to.equal(ORIGIN);
    expect(report.controls).to.equal(true);
    expect(report.results.map((r) => r.transport)).to.deep.equal(ALL);
    for (const r of report.results) {
      expect(r, r.transport).to.include({ supported: true, outcome: 'opened', verdict: 'ok' });
      expect(r.openMs, r.transport + ' openMs').to.be.a('number').and.at.least(0);
      expect(r.latencyMs, r.transport + ' latencyMs').to.be.a('number').and.at.least(0);
    }
    expect(report.recommended).to.have.members(ALL);
    expect(report.recommended[0]).to.equal('websocket');
    expect(report.snippet).to.equal(
      `Pushline.connect('${ORIGIN}', { transports: [${report.recommended.map((t) => `'${t}'`).join(', ')}] })`,
    );
    // With the default order, on an open network: WebSocket alone, no second attempt, nothing lost.
    expect(report.race).to.include({ transport: 'websocket', error: null });
    expect(report.race.tried.map((t) => t.transport)).to.deep.equal(['websocket']);
    expect(report.race.losers).to.deep.equal([]);
    expect(report.race.firstMessageMs).to.be.a('number').and.at.least(report.race.openMs!);
  });

  it('behind a proxy that refuses WebSocket and buffers streaming: says so, and recommends neither', async () => {
    await block('websocket', 'refuse');
    await block('streaming', 'buffer');
    page = doctorPage(`?auto=1&timeout=1500&endpoint=${encodeURIComponent(ORIGIN)}`);
    const report = await page.report();
    const r = byTransport(report);

    expect(r.websocket).to.include({ supported: true, outcome: 'refused', verdict: 'refused', openMs: null, latencyMs: null });
    expect(r.websocket.text).to.equal('WebSocket killed (refused)');

    expect(r.streaming).to.include({ supported: true, openMs: null, latencyMs: null });
    if (firefox) {
      expect(r.streaming).to.include({ outcome: 'timeout', verdict: 'hangs' });
      expect(r.streaming.text).to.contain('buffers the stream');
    } else {
      expect(r.streaming).to.include({ outcome: 'buffered', verdict: 'buffered' });
      expect(r.streaming.text).to.equal('stream buffered by something on the path');
    }

    for (const t of ['sse', 'longpoll'] as const) {
      expect(r[t], t).to.include({ outcome: 'opened', verdict: 'ok' });
      expect(r[t].latencyMs, t + ' latencyMs').to.be.a('number');
    }
    expect(report.recommended).to.have.members(['sse', 'longpoll']);
    expect(report.recommended[0]).to.not.equal('websocket');
    expect(report.recommended).to.not.include('streaming');
    // The race with the default order: WebSocket refused at once, SSE serves and delivers.
    expect(report.race).to.include({ transport: 'sse', error: null });
    expect(report.race.tried.map((t) => t.transport).slice(0, 2)).to.deep.equal(['websocket', 'sse']);
    expect(report.race.losers[0]).to.include({ transport: 'websocket', reason: 'refused' });
    expect(report.race.firstMessageMs).to.be.a('number');
  });

  it('behind a proxy that swallows WebSocket upgrades: the race serves over SSE well before the connect timeout', async () => {
    await block('websocket', 'hang');
    page = doctorPage(`?auto=1&timeout=3000&endpoint=${encodeURIComponent(ORIGIN)}`);
    const report = await page.report(40000);
    expect(byTransport(report).websocket).to.include({ outcome: 'timeout', verdict: 'hangs' });
    expect(report.race).to.include({ transport: 'sse', error: null });
    expect(report.race.tried.map((t) => t.transport).slice(0, 2)).to.deep.equal(['websocket', 'sse']);
    // SSE started beside the hanging WebSocket after the head start, not after connectTimeout.
    expect(report.race.tried[1].atMs).to.be.below(3000);
    expect(report.race.firstMessageMs).to.be.a('number');
  });

  it('against an endpoint with nothing there: every transport refused, the latency check skipped, nothing recommended', async () => {
    page = doctorPage(`?auto=1&timeout=1500&endpoint=${encodeURIComponent(ORIGIN + '/nothing/')}`);
    const report = await page.report();
    expect(report.endpoint).to.equal(ORIGIN + '/nothing/');
    // GET /nothing/_control/stats: 404, then the origin's root has them (where a server mounted at
    // a path keeps them, test/browser/mounted.test.ts); with nothing open, there is nothing to measure.
    expect(report.controls).to.equal(true);
    for (const r of report.results) {
      expect(r, r.transport).to.include({ supported: true, outcome: 'refused', verdict: 'refused', openMs: null, latencyMs: null });
    }
    expect(report.recommended).to.deep.equal([]);
    expect(report.race.transport).to.equal(null);
    // Every transport lost; in which order their failures came in is the engine's (Firefox delays a WebSocket after a failed one).
    expect(report.race.losers.map((l) => l.transport)).to.have.members(ALL);
    expect(report.race.error).to.be.a('string');
  });
});
