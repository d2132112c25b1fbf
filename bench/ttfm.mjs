// Section 6: time to first message, per network condition, Pushline beside engine.io-client and
// sockjs-client. Each system runs its own server (Pushline's reference server; engine.io and sockjs
// from npm) behind its own copy of the same imitated-network proxy (bench/proxy.mjs), and each
// server publishes a counter every 20 ms from this process. For every condition and client: a fresh
// page in a fresh browser context (nothing remembered: no cache, no storage, no socket reused from an
// earlier run), the client's script-tag build, default options, connect() through the proxy, and the
// milliseconds from connect() to the first message, with the transport it came over.
//
// Nothing here knows how the clients work inside: the page calls their public constructors and
// listens for messages, and the proxy only sees requests. So the same section measures a client that
// races its transports, unchanged.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { launch as launchChromium } from './browser.mjs';
import { ROOT, int, median, table } from './lib.mjs';
import { CLASSIFIERS, startProxy } from './proxy.mjs';

const require = createRequire(import.meta.url);

export const PUBLISH_EVERY_MS = 20;
export const CAP_MS = 35000;
export const RUNS = 3;
/** Pushline's received messages checked for duplicates and steps back, from its first one. */
export const ORDER_SAMPLE = 100;
const SOCKJS_PREFIX = '/sockjs';
const PAGES = join(ROOT, 'bench', 'pages');
const version = (pkg) => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;

export const CLIENTS = [
  { name: 'pushline', label: 'Pushline' },
  { name: 'sockjs', label: `sockjs-client ${version('sockjs-client')}` },
  { name: 'engine.io', label: `engine.io-client ${version('engine.io-client')} (default: polling first)` },
];

/** The rows: which transport classes the proxy interferes with, and how (see bench/proxy.mjs). */
export const CONDITIONS = [
  { label: 'open', set: {} },
  { label: 'WebSocket refused', set: { websocket: 'refuse' } },
  { label: 'WebSocket hangs', set: { websocket: 'hang' } },
  { label: 'WebSocket buffered', set: { websocket: 'buffer' } },
  { label: 'WebSocket refused, SSE buffered', set: { websocket: 'refuse', sse: 'buffer' } },
  { label: 'WebSocket and SSE hang', set: { websocket: 'hang', sse: 'hang' } },
  { label: 'WebSocket refused, streams buffered', set: { websocket: 'refuse', sse: 'buffer', streaming: 'buffer' } },
  { label: 'WebSocket hangs, streams buffered', set: { websocket: 'hang', sse: 'buffer', streaming: 'buffer' } },
];

export const BROWSERS = ['chromium', 'firefox', 'webkit'];

/** Worst case of one section run, for run.mjs's watchdog: every measurement capped, plus page loads. */
export function worstCaseMs({ runs = RUNS, browsers = ['chromium'] } = {}) {
  return browsers.length * runs * CONDITIONS.length * CLIENTS.length * (CAP_MS + 15000);
}

// ---- the three systems, each behind its proxy ------------------------------------------------------

const CONTENT_TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** The peers' page server: the bench page and the clients' builds from node_modules, nothing else. */
function staticFiles(files) {
  return (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = files[path];
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)], 'Cache-Control': 'no-store' }).end(readFileSync(file));
  };
}

const PEER_FILES = {
  '/ttfm.html': join(PAGES, 'ttfm.html'),
  '/ttfm.js': join(PAGES, 'ttfm.js'),
  '/vendor/engine.io.min.js': join(ROOT, 'node_modules', 'engine.io-client', 'dist', 'engine.io.min.js'),
  '/vendor/sockjs.min.js': join(ROOT, 'node_modules', 'sockjs-client', 'dist', 'sockjs.min.js'),
};

async function listen(server) {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${server.address().port}`;
}

async function startPushline(snap) {
  const { createServer } = await import(join(snap.dist, 'server', 'index.js'));
  const srv = await createServer({ port: 0, host: '127.0.0.1', static: PAGES, mounts: { '/dist': snap.dist }, history: 1000 });
  return { url: srv.url, publish: (data) => srv.publish(data), close: () => srv.close() };
}

/** The peers' own servers from npm, each on a page server of its own; connected(client) for each client session. */
const PEERS = {
  'engine.io': {
    attach(server, connected) {
      const { Server } = require('engine.io');
      const engine = new Server(); // engine.io's defaults: polling and websocket, upgrades allowed
      engine.attach(server);
      engine.on('connection', connected);
      return () => engine.close();
    },
    send: (socket, data) => socket.send(data),
  },
  sockjs: {
    attach(server, connected) {
      // sockjs_url: the iframe-based transports load the client into an iframe; from here, not a CDN.
      const service = require('sockjs').createServer({ sockjs_url: '/vendor/sockjs.min.js', log: () => {} });
      service.installHandlers(server, { prefix: SOCKJS_PREFIX });
      service.on('connection', connected);
      return () => {};
    },
    send: (connection, data) => connection.write(data),
  },
};

async function startPeer({ attach, send }) {
  const server = http.createServer(staticFiles(PEER_FILES));
  const clients = new Set();
  const detach = attach(server, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
  });
  const url = await listen(server);
  return {
    url,
    publish: (data) => { for (const c of clients) send(c, data); },
    close: async () => {
      detach();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

async function startSystems(snap) {
  const started = [];
  try {
    for (const [name, start] of [['pushline', () => startPushline(snap)], ['engine.io', () => startPeer(PEERS['engine.io'])], ['sockjs', () => startPeer(PEERS.sockjs)]]) {
      const server = await start();
      started.push({ name, server });
      const proxy = await startProxy({ target: server.url, classify: name === 'sockjs' ? (p, q) => CLASSIFIERS.sockjs(p, q, SOCKJS_PREFIX) : CLASSIFIERS[name] });
      started[started.length - 1].proxy = proxy;
    }
  } catch (e) {
    await stopSystems(started);
    throw e;
  }
  let counter = 0;
  const ticker = setInterval(() => {
    const data = String(++counter);
    for (const s of started) s.server.publish(data);
  }, PUBLISH_EVERY_MS);
  return { systems: Object.fromEntries(started.map((s) => [s.name, s])), ticker, started };
}

async function stopSystems(started) {
  for (const s of started) {
    await s.proxy?.close().catch(() => {});
    await s.server.close().catch(() => {});
  }
}

// ---- browsers: a fresh context per measurement ---------------------------------------------------

const FIREFOX_SOCKET_NOTICE = /^(Firefox can.t establish a connection to the server at ws:|The connection to ws:\S+ was interrupted while the page was loading)/;

/**
 * { name, version, measure(url, capMs, sample) → result, close() }. Chromium and Firefox through
 * puppeteer-core (a new browser context, i.e. an incognito profile, per measurement); WebKitGTK's
 * MiniBrowser through WebKitWebDriver (a new session, i.e. a new browser process, per measurement),
 * the way scripts/wtr-browsers.mjs drives them for the tests.
 */
async function openBrowser(name) {
  if (name === 'chromium' || name === 'firefox') {
    const browser = name === 'chromium'
      ? await launchChromium()
      : await puppeteer.launch({ browser: 'firefox', executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', headless: true, protocolTimeout: 180000 });
    return {
      name,
      version: await browser.version(),
      async measure(url, capMs, sample) {
        const context = await browser.createBrowserContext();
        try {
          const page = await context.newPage();
          page.on('pageerror', (e) => {
            // Firefox reports each failed or cut WebSocket as a page error: here that is the condition being imitated.
            if (!FIREFOX_SOCKET_NOTICE.test(e.message)) console.error('  [page error]', e.message);
          });
          await page.goto(url, { waitUntil: 'load' });
          return await page.evaluate((cap, n) => TTFM.start(cap, n), capMs, sample);
        } finally {
          await context.close().catch(() => {});
        }
      },
      close: () => browser.close(),
    };
  }
  if (name === 'webkit') {
    const { remote } = await import('webdriverio');
    const { WEBKIT_CAPABILITIES, freePort, waitForHttp } = await import('../scripts/wtr-browsers.mjs');
    const port = await freePort();
    const driver = spawn('WebKitWebDriver', [`--port=${port}`], { stdio: 'ignore' });
    const stopDriver = () => driver.kill();
    process.on('exit', stopDriver);
    await waitForHttp(`http://127.0.0.1:${port}/status`);
    const session = () => remote({ hostname: '127.0.0.1', port, path: '/', logLevel: 'error', capabilities: WEBKIT_CAPABILITIES });
    const probe = await session();
    const browserVersion = `WebKitGTK ${probe.capabilities.browserVersion ?? ''}`.trim();
    await probe.deleteSession();
    return {
      name,
      version: browserVersion,
      async measure(url, capMs, sample) {
        const b = await session();
        try {
          await b.setTimeout({ script: capMs + 30000 });
          await b.url(url);
          return await b.executeAsync((cap, n, done) => { TTFM.start(cap, n).then(done); }, capMs, sample);
        } finally {
          await b.deleteSession().catch(() => {});
        }
      },
      close: async () => {
        stopDriver();
        process.off('exit', stopDriver);
      },
    };
  }
  throw new Error(`--browsers: expected ${BROWSERS.join(', ')}, got ${name}`);
}

// ---- the section -----------------------------------------------------------------------------------

const pageUrl = (proxy, client) => `${proxy.url}/ttfm.html?client=${encodeURIComponent(client.name)}`;

/**
 * Runs every condition for every client, `runs` times, one measurement at a time (the long ones wait
 * for timers, but a measurement running next to another would share the two cores). Runs are the
 * outer loop, so the repetitions of one cell are minutes apart and a slow spell hits cells alike.
 */
export async function runTtfm(snap, { log = () => {}, runs = RUNS, browsers = ['chromium'] } = {}) {
  const { systems, ticker, started } = await startSystems(snap);
  const out = {
    runs, capMs: CAP_MS, publishEveryMs: PUBLISH_EVERY_MS, orderSample: ORDER_SAMPLE, clients: CLIENTS,
    servers: { 'engine.io': version('engine.io'), sockjs: version('sockjs') }, browsers: {},
  };
  const t0 = Date.now();
  try {
    for (const browserName of browsers) {
      const browserStarted = Date.now();
      const browser = await openBrowser(browserName);
      const rows = CONDITIONS.map((c) => ({ label: c.label, set: c.set, clients: Object.fromEntries(CLIENTS.map((k) => [k.name, []])) }));
      try {
        // Not recorded: the first page of a new browser process and the servers' first connections pay
        // for start-up (process launch, code caches, JIT) that no later page does.
        for (const client of CLIENTS) {
          const { proxy } = systems[client.name];
          proxy.set({});
          await browser.measure(pageUrl(proxy, client), CAP_MS, 1);
        }
        for (let run = 1; run <= runs; run++) {
          for (const row of rows) {
            for (const client of CLIENTS) {
              const { proxy } = systems[client.name];
              proxy.set(row.set);
              proxy.counts();
              const sample = client.name === 'pushline' ? ORDER_SAMPLE : 1;
              const r = await browser.measure(pageUrl(proxy, client), CAP_MS, sample);
              r.proxy = proxy.counts();
              row.clients[client.name].push(r);
              log(`ttfm ${browserName} run ${run}/${runs}: ${row.label}: ${client.name} ${r.ms === null ? `nothing in ${CAP_MS / 1000} s` : `${int(r.ms)} ms over ${r.transport}`}`);
            }
          }
        }
      } finally {
        await browser.close();
      }
      out.browsers[browserName] = { version: browser.version, seconds: Math.round((Date.now() - browserStarted) / 1000), rows };
    }
  } finally {
    clearInterval(ticker);
    await stopSystems(started);
  }
  out.seconds = Math.round((Date.now() - t0) / 1000);
  return out;
}

// ---- tables --------------------------------------------------------------------------------------

const capText = (capMs) => `> ${capMs / 1000} s`;

/** Median of the runs; a run that saw nothing counts as longer than any other. */
export function medianMs(results) {
  return median(results.map((r) => (r.ms === null ? Infinity : r.ms)));
}

function transports(results) {
  const counts = new Map();
  for (const r of results) {
    const t = r.ms === null ? 'none' : r.transport ?? '?';
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return counts.size === 1 ? [...counts.keys()][0] : [...counts].map(([t, n]) => `${t} ×${n}`).join(', ');
}

function cell(results, capMs) {
  const m = medianMs(results);
  const ms = (x) => (x === Infinity || x === null ? capText(capMs) : `${int(x)} ms`);
  const runs = results.map((r) => (r.ms === null ? capText(capMs) : int(r.ms))).join(', ');
  return `${ms(m)}, ${transports(results)} (${runs})`;
}

/** Pushline's first ORDER_SAMPLE messages over all runs of a row: received / duplicates / steps back / missing. */
function orderCell(results) {
  const sum = (k) => results.reduce((a, r) => a + r[k], 0);
  return `${int(sum('received'))} / ${int(sum('duplicates'))} / ${int(sum('stepsBack'))} / ${int(sum('missing'))}`;
}

export function ttfmTable(data, browserName) {
  const b = data.browsers[browserName];
  const rows = b.rows.map((row) => [
    row.label,
    ...data.clients.map((c) => cell(row.clients[c.name], data.capMs)),
    orderCell(row.clients.pushline),
  ]);
  return table(
    ['network', ...data.clients.map((c) => c.label), `Pushline, first ${data.orderSample} messages: received / duplicates / steps back / missing`],
    rows,
    ['l', ...data.clients.map(() => 'l'), 'r'],
  );
}

/** Pushline's fallback, open and error events per row (first run): the path it took. */
export function pushlinePaths(data, browserName) {
  return data.browsers[browserName].rows.map((row) => {
    const first = row.clients.pushline[0];
    return `${row.label}: ${first && first.notes.length ? first.notes.join(' → ') : 'no event'}`;
  });
}
