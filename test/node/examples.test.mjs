// The examples as a newcomer runs them: bundle examples/esm-app with rollup (its own config),
// serve each example with examples/serve.mjs on a free port, open it in Debian's Chromium
// (puppeteer-core) and check that ticks arrive and show, and that a sent message comes back;
// and that an example beside a server that holds its port still starts.
// Needs `npm run build` (npm test builds first). Run: node --test test/node/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import config from '../../examples/esm-app/rollup.config.mjs';
import { DEFAULT_PORTS, ENDPOINT_PATH, serveExample } from '../../examples/serve.mjs';
import { launchChromium } from '../../scripts/demo-screenshot.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// acorn comes with es-check (a dev dependency): it checks that the legacy page's script is ES5.
const acorn = createRequire(createRequire(import.meta.url).resolve('es-check'))('acorn');

let browser = null;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

test('esm-app: rollup resolves `pushline` through the package exports to dist/pushline.mjs', async () => {
  const warnings = [];
  const bundle = await rollup({ ...config, onwarn: (w) => warnings.push(w.message) });
  try {
    assert.ok(bundle.watchFiles.includes(path.join(ROOT, 'dist', 'pushline.mjs')), `bundled: ${bundle.watchFiles.join(', ')}`);
    await bundle.write(config.output);
  } finally {
    await bundle.close();
  }
  assert.deepEqual(warnings, []);
  const code = readFileSync(config.output.file, 'utf8');
  assert.doesNotMatch(code, /^\s*import\b.*['"]pushline['"]/m, 'no bare import left for the browser');
  assert.match(code, /function connect\(/);
});

test('legacy: the page script is ES5', () => {
  const html = readFileSync(path.join(ROOT, 'examples', 'legacy', 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1);
  assert.doesNotThrow(() => acorn.parse(scripts[0], { ecmaVersion: 5 }));
});

for (const name of ['legacy', 'esm-app']) {
  test(`${name}: ticks arrive and show on the page; a sent message is echoed back`, { timeout: 60000 }, async (t) => {
    const example = await serveExample(name, { port: 0, tick: 200 });
    t.after(() => example.close());
    const page = await browser.newPage();
    t.after(() => page.close());
    const problems = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()}`));
    page.on('response', (res) => {
      if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) problems.push(`HTTP ${res.status()}: ${res.url()}`);
    });

    await page.goto(example.url + '/', { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelectorAll('#messages li').length >= 3, { timeout: 15000 });
    const status = await page.$eval('#status', (el) => el.textContent);
    assert.match(status, /^connected over websocket/);
    const lines = await page.$$eval('#messages li', (items) => items.map((li) => li.textContent));
    assert.ok(lines.every((l) => /^#\d+ tick \d+ at \d\d:\d\d:\d\d$/.test(l)), lines.join('\n'));
    // Newest first, one id after the other: nothing lost, nothing repeated.
    const ids = lines.map((l) => Number(/^#(\d+)/.exec(l)[1]));
    assert.deepEqual(ids, ids.map((_, i) => ids[0] - i));

    const text = `hi from the ${name} test`;
    await page.$eval('#text', (el, v) => { el.value = v; }, text);
    await page.click('#send');
    await page.waitForFunction(
      (v) => [...document.querySelectorAll('#messages li')].some((li) => li.textContent.endsWith('websocket client said: ' + v)),
      { timeout: 10000 },
      text,
    );
    if (name === 'esm-app') {
      assert.equal(await page.$('#hint'), null, 'the app removed its "not built" hint');
      const saved = await page.evaluate(() => localStorage.getItem('pushline-example:lastEventId'));
      assert.match(saved, /^\d+$/);
    }
    assert.deepEqual(problems, []);
  });
}

/** A TCP server holding a free loopback port, closed when the test ends; resolves to the port. */
async function occupyPort(t) {
  const taken = net.createServer();
  await new Promise((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  return taken.address().port;
}

test('each example has its own port, apart from npm start (8787) and each other; the endpoints are under /realtime', () => {
  assert.deepEqual(new Set([8787, ...Object.values(DEFAULT_PORTS)]).size, 3);
  assert.equal(ENDPOINT_PATH, '/realtime');
  assert.match(readFileSync(path.join(ROOT, 'examples/legacy/index.html'), 'utf8'), /Pushline\.connect\('\/realtime'/);
  assert.match(readFileSync(path.join(ROOT, 'examples/esm-app/src/main.js'), 'utf8'), /connect\('\/realtime'/);
});

test('an example whose port is taken takes a free one when asked to (its own default port), else fails with EADDRINUSE', async (t) => {
  const port = await occupyPort(t);
  const example = await serveExample('legacy', { port, tick: 0, orFreePort: true });
  t.after(() => example.close());
  assert.notEqual(example.server.port, port);
  assert.equal(example.server.endpoint, example.url + '/realtime');
  await assert.rejects(serveExample('legacy', { port, tick: 0 }), { code: 'EADDRINUSE' });
});

test('PORT=N names the port: taken, the example exits 1 and says how to get a free one', async (t) => {
  const port = await occupyPort(t);
  const child = spawn(process.execPath, [path.join(ROOT, 'examples/serve.mjs'), 'legacy'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill());
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 1);
  assert.match(err, new RegExp(`port ${port} is in use: PORT=0 takes a free one`));
});
