#!/usr/bin/env node
// Screenshots the live demo in a real walk-through, and checks what the page shows on the way:
// starts the reference server (static: the repo root), opens /demo/index.html in Debian's
// Chromium with puppeteer-core, publishes, blocks WebSocket ('refuse'), drops every connection,
// waits for the fallback to SSE and the resume, sends a message, then saves test-output/demo.png.
//
//   node scripts/demo-screenshot.mjs [out.png]      (needs `npm run build`; exits 1 on a mismatch)
//
// test/node/demo-screenshot.test.mjs runs main(), so `npm test` exercises it.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Chromium flags for a quiet, CI-friendly headless run (no sandbox: CI containers run as root). */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-default-apps', '--disable-quic',
];

/** Launches Debian's Chromium (CHROME_PATH overrides /usr/bin/chromium). */
export function launchChromium() {
  return puppeteer.launch({ executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/**
 * Runs the walk-through. Resolves to { out, snapshot } (the page's last snapshot, see
 * window.pushlineDemo.snapshot in demo/demo.js); rejects with what the page showed on a mismatch.
 */
export async function main({ out = path.join(root, 'test-output', 'demo.png'), log = () => {} } = {}) {
  let createServer;
  try {
    ({ createServer } = await import('../dist/server/index.js'));
  } catch (err) {
    throw new Error(`dist/server is missing or broken: run \`npm run build\` first (${err.message})`);
  }
  // The demo page drives the server through its HTTP test controls.
  const srv = await createServer({ port: 0, host: '127.0.0.1', static: root, heartbeat: 2000, pollTimeout: 5000, controls: true });
  let browser = null;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.setViewport({ width: 1180, height: 900 });
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    const url = `${srv.url}/demo/index.html`;
    log(`opening ${url}`);
    await page.goto(url, { waitUntil: 'load' });

    const snapshot = () => page.evaluate(() => window.pushlineDemo.snapshot());
    const until = async (what, pred, ms = 15000) => {
      const end = Date.now() + ms;
      for (;;) {
        const s = await snapshot();
        if (pred(s)) return s;
        if (Date.now() > end) throw new Error(`demo: timed out waiting for ${what}; the page shows ${JSON.stringify(s, null, 1)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const click = (id) => page.click('#' + id);
    const type = (text) => page.$eval('#text', (input, t) => { input.value = t; }, text);

    await until('open on websocket', (s) => s.state === 'open' && s.transport === 'websocket');
    log('open on websocket');
    for (const text of ['hello', 'second message']) {
      await type(text);
      await click('publish');
    }
    let s = await until('two messages', (x) => x.count === 2);
    if (!s.messages[0].text.includes('second message') || !s.messages[0].text.includes('via websocket')) {
      throw new Error(`demo: newest message shows ${JSON.stringify(s.messages[0])}`);
    }
    const before = s.lastId;

    await click('block-websocket-refuse');
    await click('drop');
    s = await until('the fallback to sse', (x) => x.state === 'open' && x.transport === 'sse' && x.events.some((e) => e.kind === 'fallback'));
    log('fell back to sse');
    expectLine(s.events, 'fallback', 'fallback: websocket refused');
    expectLine(s.events, 'reconnecting', 'reconnecting on websocket');
    expectLine(s.events, 'open', `open on sse — resumed after #${before}`);
    if (s.modes.websocket !== 'refuse') throw new Error(`demo: websocket mode shows ${s.modes.websocket}`);
    if (!/websocket \(refused\)/.test(s.ladder)) throw new Error(`demo: the fallback ladder shows ${s.ladder}`);

    await type('while away');
    await click('drop-publish');
    s = await until('three messages replayed after the drop', (x) => x.count === 5 && x.state === 'open');
    if (!s.messages[0].text.includes('while away 3/3')) throw new Error(`demo: newest message shows ${JSON.stringify(s.messages[0])}`);
    if (s.lastId !== s.messages[0].text.split(/\s/)[0].slice(1)) throw new Error(`demo: last id ${s.lastId} is not the newest message's`);
    log('resumed after the drop');

    await type('hi server');
    await click('send');
    s = await until('the server to show what it received', (x) => x.received.some((r) => r.text.includes('hi server') && r.text.includes('via sse')));
    if (pageErrors.length) throw new Error(`demo: page errors: ${pageErrors.join('; ')}`);

    await new Promise((r) => setTimeout(r, 1300)); // let the highlight of the newest lines fade
    await mkdir(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    log(`saved ${out}`);
    return { out, snapshot: await snapshot() };
  } finally {
    await browser?.close().catch(() => {});
    srv.block('websocket', null);
    await srv.close();
  }
}

function expectLine(lines, kind, text) {
  if (!lines.some((l) => l.kind === kind && l.text.includes(text))) {
    throw new Error(`demo: no ${kind} line with ${JSON.stringify(text)} in ${JSON.stringify(lines, null, 1)}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  main({ out, log: (m) => console.log(m) }).then(
    () => process.exit(0),
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
