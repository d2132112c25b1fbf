// Sections 3–5 in Chromium (puppeteer-core): end-to-end throughput and latency per transport next
// to raw native clients, fallback cost, and memory across reconnects and large messages.
//
// One Chromium for the whole run; reference servers on 127.0.0.1, port 0, serving bench/pages/ at
// the root and a snapshot of dist/ at /dist/. Everything is closed in `finally` blocks.
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { ROOT, fixed, int, median, percentile, ratio, signedKib, sleep, table, wallNow } from './lib.mjs';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-default-apps', '--disable-quic',
  // Timers and rendering of a headless page must not be throttled while Node drives it.
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
  '--js-flags=--expose-gc',
];

export const TRANSPORTS = ['websocket', 'sse', 'streaming', 'longpoll'];
const RAW = { websocket: 'raw-websocket', sse: 'raw-eventsource', streaming: 'raw-fetch-stream', longpoll: 'raw-fetch-poll' };
const RAW_LABEL = { websocket: 'native WebSocket', sse: 'native EventSource', streaming: 'fetch + ReadableStream', longpoll: 'fetch long poll' };
// A second ceiling for long polling: XMLHttpRequest, which Pushline uses so that it runs where fetch is missing.
const RAW_ALSO = { longpoll: ['raw-xhr-poll', 'XMLHttpRequest long poll'] };

export async function launch() {
  // networkEnabled: false — with the Network domain on, DevTools gets an event per WebSocket frame and
  // per EventSource message, which costs the page more than Pushline does.
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, protocolTimeout: 180000, networkEnabled: false });
}

async function startServer(snap, opts) {
  const { createServer } = await import(join(snap.dist, 'server', 'index.js'));
  return createServer({ port: 0, host: '127.0.0.1', static: join(ROOT, 'bench', 'pages'), mounts: { '/dist': snap.dist }, ...opts });
}

async function openPage(context, srv) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('  [page error]', e.message));
  await page.goto(srv.url + '/index.html', { waitUntil: 'load' });
  const ok = await page.evaluate(() => typeof Pushline === 'object' && typeof B === 'object');
  if (!ok) throw new Error('bench page did not load Pushline (dist/pushline.min.js)');
  const cdp = await page.createCDPSession();
  await cdp.send('Performance.enable');
  return { page, cdp };
}

async function pageCpu(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  return { task: m.TaskDuration * 1000, script: m.ScriptDuration * 1000 };
}

async function waitFor(cond, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(1);
  }
}

const idle = (srv) => waitFor(() => Object.values(srv.connections()).every((n) => n === 0), 5000, 'connections to close');

// ---- 3. end to end ------------------------------------------------------------------------------

const E2E_N = 100000;
const BATCH = 1000;
const LAT_RATE = 100; // msg/s
const LAT_SECONDS = 5;
const LAT_WARMUP = 50; // first messages not counted

function smallData(i) {
  return 'message ' + i + ' lorem ipsum dolor';
}

async function publishBurst(srv, n) {
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + BATCH);
    for (; i < end; i++) srv.publish(smallData(i));
    await new Promise((r) => setImmediate(r));
  }
}

/** One throughput run: n messages published in batches of 1,000 as fast as the server takes them. */
async function throughput(page, cdp, srv, kind, name, n) {
  await page.evaluate((k, t, n) => B.start(k, t, {}, n, false), kind, name, n);
  const c0 = await pageCpu(cdp);
  const t0 = wallNow();
  await publishBurst(srv, n);
  const tPublished = wallNow();
  const s = await page.evaluate((ms) => B.done(ms), 120000);
  const c1 = await pageCpu(cdp);
  await page.evaluate(() => B.stop());
  await idle(srv);
  return {
    n: s.count,
    outOfOrder: s.outOfOrder,
    seconds: (s.tLast - t0) / 1000,
    rate: s.count / ((s.tLast - t0) / 1000),
    publishSeconds: (tPublished - t0) / 1000,
    pageTaskMs: c1.task - c0.task,
    pageScriptMs: c1.script - c0.script,
    errors: s.errors,
  };
}

/** Steady rate: one message every 10 ms for 5 s (plus warm-up), the publish time as the data. */
async function latency(page, srv, kind, name) {
  const total = LAT_WARMUP + LAT_RATE * LAT_SECONDS;
  await page.evaluate((k, t, n) => B.start(k, t, {}, n, true), kind, name, total);
  const t0 = wallNow() + 20;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / LAT_RATE;
    const wait = due - wallNow();
    if (wait > 1) await sleep(wait - 1);
    while (wallNow() < due) { /* spin the last millisecond: setTimeout is coarse */ }
    srv.publish(String(wallNow()));
  }
  const s = await page.evaluate((ms) => B.done(ms), 20000);
  await page.evaluate(() => B.stop());
  await idle(srv);
  const clock = await clockOffset(page);
  const lat = s.lat.slice(LAT_WARMUP).map((x) => x - clock.offset);
  return { n: lat.length, p50: percentile(lat, 50), p99: percentile(lat, 99), max: Math.max(...lat), outOfOrder: s.outOfOrder, clock };
}

/**
 * Every measurement gets a freshly loaded page (a new JS context), warmed up with 5,000 messages:
 * state that grows with the messages a page has seen (JIT feedback included) must not leak from one
 * measurement into the next.
 */
/**
 * Node and the page read the same system clock, but each takes its own timeOrigin sample, so
 * `timeOrigin + now()` can differ by a fraction of a millisecond between them (enough to make a
 * 1 ms latency look negative). Estimated from the round trip with the smallest delay; the error
 * is at most half that round trip.
 */
async function clockOffset(page) {
  let best = null;
  for (let i = 0; i < 30; i++) {
    const t1 = wallNow();
    const p = await page.evaluate(() => performance.timeOrigin + performance.now());
    const t2 = wallNow();
    if (!best || t2 - t1 < best.rtt) best = { rtt: t2 - t1, offset: p - (t1 + t2) / 2 };
  }
  return best;
}

export async function runE2E(browser, snap, { log = () => {}, reps = 2 } = {}) {
  const srv = await startServer(snap, { history: 250000 });
  const context = await browser.createBrowserContext();
  try {
    const { page, cdp } = await openPage(context, srv);
    const fresh = async (kind, name) => {
      await page.goto(srv.url + '/index.html', { waitUntil: 'load' });
      await throughput(page, cdp, srv, kind, name, 5000);
    };
    const out = {};
    for (const t of TRANSPORTS) {
      // WebSocket is the slow one in Chromium (~10k msgs/s): the others are done in about a second
      // per run, so they get twice the repetitions, for the same noise at a fraction of the time.
      const n = t === 'websocket' ? reps : reps * 2;
      log(`e2e: ${t} throughput (${n}× ${int(E2E_N)} messages, Pushline and raw alternating)`);
      const runs = { pushline: [], raw: [] };
      const kindOf = { pushline: 'pushline', raw: RAW[t] };
      if (RAW_ALSO[t]) {
        runs.also = [];
        kindOf.also = RAW_ALSO[t][0];
      }
      const who3 = Object.keys(runs);
      for (let r = 0; r < n; r++) {
        // Each client goes first in turn: a slow slice of the machine hits each of them alike.
        const order = who3.slice(r % who3.length).concat(who3.slice(0, r % who3.length));
        for (const who of order) {
          const kind = kindOf[who];
          await fresh(kind, t);
          runs[who].push(await throughput(page, cdp, srv, kind, t, E2E_N));
        }
      }
      log(`e2e: ${t} latency (${LAT_RATE} msg/s for ${LAT_SECONDS} s, Pushline then raw)`);
      const lat = {};
      for (const who of ['pushline', 'raw']) {
        const kind = who === 'raw' ? RAW[t] : 'pushline';
        await fresh(kind, t);
        lat[who] = await latency(page, srv, kind, t);
      }
      out[t] = { runs, lat };
    }
    return out;
  } finally {
    await context.close().catch(() => {});
    await srv.close();
  }
}

/** Best of the repetitions: on a shared machine the slow outliers are other people's work. */
function best(runs) {
  return runs.reduce((a, b) => (b.rate > a.rate ? b : a));
}

export function e2eTables(res) {
  const tp = [];
  const lat = [];
  for (const t of TRANSPORTS) {
    const r = res[t];
    if (!r) continue;
    const p = best(r.runs.pushline);
    const q = best(r.runs.raw);
    const medianRatio = median(r.runs.pushline.map((x, i) => x.rate / r.runs.raw[i].rate));
    // Page CPU per message, median over the runs: steadier than msgs/s on a loaded machine.
    const cpu = (runs) => median(runs.map((x) => (x.pageTaskMs / x.n) * 1000));
    const received = (x) => (x.outOfOrder || x.n !== E2E_N ? `${x.n} msgs, ${x.outOfOrder} out of order` : 'all, in order');
    tp.push([`Pushline ${t}`, int(p.rate), fixed(p.seconds, 2), fixed(cpu(r.runs.pushline), 2), fixed((p.pageScriptMs / p.n) * 1000, 2), ratio(p.rate / q.rate) + ` (${ratio(medianRatio)})`, ratio(cpu(r.runs.pushline) / cpu(r.runs.raw)), received(p)]);
    tp.push([`raw ${RAW_LABEL[t]}`, int(q.rate), fixed(q.seconds, 2), fixed(cpu(r.runs.raw), 2), fixed((q.pageScriptMs / q.n) * 1000, 2), '1.00×', '1.00×', received(q)]);
    if (r.runs.also) {
      const a = best(r.runs.also);
      const alsoRatio = median(r.runs.pushline.map((x, i) => x.rate / r.runs.also[i].rate));
      tp.push([`raw ${RAW_ALSO[t][1]}`, int(a.rate), fixed(a.seconds, 2), fixed(cpu(r.runs.also), 2), fixed((a.pageScriptMs / a.n) * 1000, 2), `Pushline ÷ this: ${ratio(p.rate / a.rate)} (${ratio(alsoRatio)})`, `${ratio(cpu(r.runs.pushline) / cpu(r.runs.also))} (Pushline ÷ this)`, received(a)]);
    }
    for (const [who, x] of [['Pushline ' + t, r.lat.pushline], ['raw ' + RAW_LABEL[t], r.lat.raw]]) {
      lat.push([who, fixed(x.p50, 2), fixed(x.p99, 2), fixed(x.max, 2), int(x.n), x.clock ? `${fixed(x.clock.offset, 2)} ± ${fixed(x.clock.rtt / 2, 2)}` : '–']);
    }
  }
  return {
    throughput: table(
      ['client', 'msgs/s', 'seconds', 'page task µs/msg (median)', 'page script µs/msg', 'Pushline ÷ raw, best (median)', 'page CPU/msg, Pushline ÷ raw', 'received'],
      tp,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    latency: table(['client', 'p50 ms', 'p99 ms', 'max ms', 'samples', 'page clock offset subtracted, ms'], lat, ['l', 'r', 'r', 'r', 'r', 'r']),
  };
}

// ---- 4. fallback cost ---------------------------------------------------------------------------

export const CONNECT_TIMEOUT = 10000; // the client's default, used as is

export async function runFallback(browser, snap, { log = () => {}, reps = 3 } = {}) {
  const srv = await startServer(snap, { history: 1000 });
  const contexts = [await browser.createBrowserContext(), await browser.createBrowserContext()];
  // A message every 5 ms, so "first message" is at most 5 ms after the connection opens.
  const ticker = setInterval(() => srv.publish(String(wallNow())), 5);
  try {
    const pages = [(await openPage(contexts[0], srv)).page, (await openPage(contexts[1], srv)).page];
    const run = async (page, label, opts, block, n) => {
      const res = [];
      for (let i = 0; i < n; i++) {
        if (block) srv.block(block[0], block[1]);
        try {
          res.push(await page.evaluate((o, ms) => B.fallback(o, ms), opts, 40000));
        } finally {
          if (block) srv.block(block[0], null);
        }
        await page.evaluate(() => B.stop());
        await sleep(50);
      }
      log(`fallback: ${label}: ${res.map((r) => (r.tFirst === null ? 'failed' : Math.round(r.tFirst) + ' ms')).join(', ')}`);
      return { label, opts, block, runs: res };
    };
    const all = { transports: TRANSPORTS };
    const [p] = pages;
    const direct = await run(p, 'direct: websocket', { transports: ['websocket'] }, null, reps);
    const refused = await run(p, 'websocket refused (502), default order', all, ['websocket', 'refuse'], reps);
    const sse = await run(p, 'direct: sse (what wins when websocket fails)', { transports: ['sse'] }, null, reps);
    // The two that wait for connectTimeout run at the same time, in two pages: they block
    // different transports (websocket, streaming) and neither reaches the other's.
    const [hang, buffered] = await Promise.all([
      run(pages[0], `websocket hangs, default order, connectTimeout ${CONNECT_TIMEOUT}`, all, ['websocket', 'hang'], 1),
      run(pages[1], `streaming buffered, ['streaming','longpoll'], connectTimeout ${CONNECT_TIMEOUT}`, { transports: ['streaming', 'longpoll'] }, ['streaming', 'buffer'], 1),
    ]);
    const longpoll = await run(p, 'direct: longpoll (what wins when streaming is buffered)', { transports: ['longpoll'] }, null, reps);
    return [direct, refused, sse, hang, buffered, longpoll];
  } finally {
    clearInterval(ticker);
    for (const c of contexts) await c.close().catch(() => {});
    await srv.close();
  }
}

export function fallbackTable(scenarios) {
  const rows = scenarios.map((s) => {
    const ok = s.runs.filter((r) => r.tFirst !== null);
    const first = ok.length ? median(ok.map((r) => r.tFirst)) : NaN;
    const open = ok.length ? median(ok.map((r) => r.tOpen)) : NaN;
    const r0 = s.runs[0];
    const path = r0.fallbacks.map((f) => `${f.transport} ${f.reason} at ${Math.round(f.at)} ms`).join(' → ');
    return [s.label, fixed(open, 1), fixed(first, 1), ok.length ? ok[0].transport : '–', `${ok.length}/${s.runs.length}`, path || '–'];
  });
  return table(['scenario', 'connect → open, ms', 'connect → first message, ms', 'won', 'runs', 'fallback path (first run)'], rows, ['l', 'r', 'r', 'l', 'r', 'l']);
}

// ---- 5. memory ----------------------------------------------------------------------------------

export const CYCLES = 1000;
export const BIG_N = 10000;
const BIG_SIZE = 64 * 1024;
const BIG_BATCH = 100;
const RECONNECT = { initialDelay: 5, maxDelay: 20, jitter: 0, budget: 100000 };

async function heap(cdp) {
  await sleep(300); // let closed sockets and pending callbacks settle
  for (let i = 0; i < 3; i++) await cdp.send('HeapProfiler.collectGarbage');
  const u = await cdp.send('Runtime.getHeapUsage');
  return u.usedSize;
}

/**
 * One page per transport, each in its own browser context (its own renderer process, so the JS
 * heaps are separate), all driven together: every srv.drop() cuts the four connections at once.
 */
export async function runMemory(browser, snap, { log = () => {} } = {}) {
  const srv = await startServer(snap, { history: 1000 });
  const contexts = [];
  try {
    const pages = {};
    for (const t of TRANSPORTS) {
      const context = await browser.createBrowserContext();
      contexts.push(context);
      pages[t] = await openPage(context, srv);
      await pages[t].cdp.send('HeapProfiler.enable');
    }
    const each = (fn) => Promise.all(TRANSPORTS.map((t) => fn(pages[t], t)));
    const counts = () => each(({ page }) => page.evaluate(() => B.count()));
    let published = 0;
    const deliverBig = async (n) => {
      const data = 'x'.repeat(BIG_SIZE - 20);
      for (let i = 0; i < n; i += BIG_BATCH) {
        const k = Math.min(BIG_BATCH, n - i);
        for (let j = 0; j < k; j++) srv.publish(data + String(published + j).padStart(20, '0'));
        published += k;
        const end = Date.now() + 60000;
        while ((await counts()).some((c) => c < published)) {
          if (Date.now() > end) throw new Error('memory: large messages not delivered: ' + (await counts()).join(', ') + ' of ' + published);
          await sleep(2);
        }
      }
    };
    const deliverSmall = async (n) => {
      for (let i = 0; i < n; i += 500) {
        // Batches smaller than the server's history, so a slow long poll never falls off it.
        const k = Math.min(500, n - i);
        for (let j = 0; j < k; j++) srv.publish(smallData(i + j));
        published += k;
        await waitAsync(async () => (await counts()).every((c) => c >= published), 20000, 'small messages');
      }
    };
    const cycles = async (n) => {
      for (let i = 0; i < n; i++) {
        srv.drop();
        await waitFor(() => { const c = srv.connections(); return TRANSPORTS.every((t) => c[t] > 0); }, 10000, `reconnection ${i + 1}`);
        await sleep(2); // the client handles the open frame the server just sent
      }
    };

    await each(({ page }, t) => page.evaluate((t, o) => B.start('pushline', t, o, 0, false), t, { reconnect: RECONNECT }));
    await waitFor(() => { const c = srv.connections(); return TRANSPORTS.every((t) => c[t] > 0); }, 10000, 'first connections');
    // Warm-up: every code path, often enough for the JIT to settle, before the baseline.
    await cycles(20);
    await deliverSmall(2000);
    await deliverBig(200);
    const h0 = await each(({ cdp }) => heap(cdp));
    const opens0 = await each(({ page }) => page.evaluate(() => B.state().opens));
    log(`memory: ${CYCLES} reconnect cycles (srv.drop(), four clients at once)`);
    const tc = Date.now();
    await cycles(CYCLES);
    const cycleSeconds = (Date.now() - tc) / 1000;
    const h1 = await each(({ cdp }) => heap(cdp));
    const opens1 = await each(({ page }) => page.evaluate(() => B.state().opens));
    log(`memory: ${int(BIG_N)} messages of 64 KiB to each client`);
    const tb = Date.now();
    await deliverBig(BIG_N / 2);
    const hMid = await each(({ cdp }) => heap(cdp));
    await deliverBig(BIG_N / 2);
    const bigSeconds = (Date.now() - tb) / 1000;
    const h2 = await each(({ cdp }) => heap(cdp));
    const states = await each(({ page }) => page.evaluate(() => { const s = B.state(); return { count: s.count, outOfOrder: s.outOfOrder, errors: s.errors }; }));
    await each(({ page }) => page.evaluate(() => B.stop()));
    const out = {};
    TRANSPORTS.forEach((t, i) => {
      out[t] = { h0: h0[i], h1: h1[i], hMid: hMid[i], h2: h2[i], reopened: opens1[i] - opens0[i], ...states[i] };
    });
    return { transports: out, cycleSeconds, bigSeconds, published };
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    await srv.close();
  }
}

async function waitAsync(cond, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(2);
  }
}

export function memoryTable(res) {
  const rows = TRANSPORTS.filter((t) => res.transports[t]).map((t) => {
    const x = res.transports[t];
    return [
      t,
      (x.h0 / 1048576).toFixed(2) + ' MiB',
      signedKib(x.h1 - x.h0),
      `${int(x.reopened)} / ${int(CYCLES)}`,
      signedKib(x.h2 - x.h1),
      signedKib(x.h2 - x.hMid),
      signedKib(x.h2 - x.h0),
      x.h2 - x.h0 < 1048576 ? 'yes' : 'NO',
      x.outOfOrder ? `${x.outOfOrder} out of order` : 'in order',
    ];
  });
  return table(
    ['transport', 'heap after warm-up', `Δ after ${int(CYCLES)} drops`, 'reconnections seen', `Δ after ${int(BIG_N)} × 64 KiB`, `of which the last ${int(BIG_N / 2)}`, 'Δ total', '< 1 MB', 'messages'],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'],
  );
}

// ---- 7. send rate ------------------------------------------------------------------------------

export const SEND_N = 5000;

/**
 * Client to server: SEND_N send() calls made back to back on an open connection, per transport;
 * the time from the first call until the server's onMessage has them all (Node reads both
 * times). Each repetition measures every transport in turn, each on a fresh page, so that a
 * ratio to WebSocket compares runs made a few seconds apart.
 */
export async function runSends(browser, snap, { log = () => {}, reps = 3 } = {}) {
  let received = 0;
  let target = Infinity;
  let allReceived = null;
  const srv = await startServer(snap, { history: 1000, onMessage: () => { if (++received === target && allReceived) allReceived(); } });
  const context = await browser.createBrowserContext();
  try {
    const { page } = await openPage(context, srv);
    const runs = Object.fromEntries(TRANSPORTS.map((t) => [t, []]));
    for (let r = 0; r < reps; r++) {
      for (const t of TRANSPORTS) {
        log(`sends: ${t}, run ${r + 1} of ${reps} (${int(SEND_N)} sends)`);
        await page.goto(srv.url + '/index.html', { waitUntil: 'load' });
        // The queue takes the whole burst (before issue 17 its default was 100).
        await page.evaluate((name, n) => B.start('pushline', name, { sendQueueSize: n }, 0, false), t, SEND_N);
        received = 0;
        target = SEND_N;
        const arrived = new Promise((resolve, reject) => {
          allReceived = resolve;
          setTimeout(() => reject(new Error(`sends ${t}: ${received} of ${SEND_N} reached the server in 120 s`)), 120000).unref();
        });
        const t0 = wallNow();
        const errors = await page.evaluate((n) => B.sendBurst(n), SEND_N);
        await arrived;
        const seconds = (wallNow() - t0) / 1000;
        target = Infinity;
        await page.evaluate(() => B.stop());
        await idle(srv);
        runs[t].push({ rate: SEND_N / seconds, seconds, errors });
      }
    }
    return runs;
  } finally {
    await context.close().catch(() => {});
    await srv.close();
  }
}

export function sendsTable(res) {
  const rows = [];
  for (const t of TRANSPORTS) {
    const runs = res[t];
    if (!runs || !runs.length) continue;
    const rates = runs.map((x) => x.rate);
    const toWebSocket = runs.map((x, i) => x.rate / res.websocket[i].rate);
    rows.push([t, int(Math.max(...rates)), int(median(rates)), ratio(median(toWebSocket)), ratio(Math.min(...toWebSocket)), runs[0].errors.length ? runs[0].errors.join('; ') : '–']);
  }
  return table(['transport', 'msgs/s, best', 'msgs/s, median', '÷ websocket, median', '÷ websocket, lowest', 'errors'], rows, ['l', 'r', 'r', 'r', 'r', 'l']);
}
