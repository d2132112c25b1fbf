// @web/test-runner: real browsers (Debian's Chromium, Firefox ESR, WebKitGTK) against the real
// reference server. BROWSERS=chromium|firefox|webkit picks the engine (scripts/wtr.mjs runs
// each in turn, so engines never share a server whose blocks and history a test changes).
// WebKit needs an X display: scripts/wtr.mjs wraps the run in xvfb-run.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defaultReporter } from '@web/test-runner';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { webdriverLauncher } from '@web/test-runner-webdriver';
import * as puppeteerCore from 'puppeteer-core';
import { createServer } from './dist/server/index.js';
import { sseFixtures } from './test/fixtures/sse-fixtures.mjs';
import { cspPage } from './test/fixtures/csp.mjs';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('.', import.meta.url));
const mswWorkerFile = require.resolve('msw/mockServiceWorker.js');

// One reference server for the run; it also serves the repo (dist/ bundles, test/pages/).
const server = await createServer({ port: 0, host: '127.0.0.1', static: root, heartbeat: 1000, pollTimeout: 5000 });
const serverPlugin = {
  name: 'pushline-server',
  serve(ctx) {
    if (ctx.path === '/test/browser/origin.ts') return { body: `export const ORIGIN = ${JSON.stringify(server.url)};`, type: 'js' };
  },
  async serverStop() {
    await server.close();
  },
};

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}
async function waitForHttp(url, ms = 15000) {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
  }
  throw new Error(`not up: ${url}`);
}

const engine = process.env.BROWSERS ?? 'chromium';
const browsers = [];
if (engine === 'chromium') {
  browsers.push(chromeLauncher({ launchOptions: {
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-default-apps', '--disable-quic'],
  } }));
} else if (engine === 'firefox') {
  browsers.push(chromeLauncher({
    puppeteer: puppeteerCore.default ?? puppeteerCore, // puppeteer-core over WebDriver BiDi
    launchOptions: { browser: 'firefox', executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', headless: true },
  }));
} else if (engine === 'webkit') {
  const port = await freePort();
  const driver = spawn('WebKitWebDriver', [`--port=${port}`], { stdio: 'ignore' });
  process.on('exit', () => driver.kill());
  await waitForHttp(`http://127.0.0.1:${port}/status`);
  browsers.push(webdriverLauncher({
    hostname: '127.0.0.1', port, path: '/', logLevel: 'error',
    capabilities: {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', args: ['--automation'] },
      'wdio:enforceWebDriverClassic': true,
    },
  }));
} else {
  throw new Error(`BROWSERS=${engine}: expected chromium, firefox or webkit`);
}

// Prints one plain 'engine: N passed, N failed, N skipped' line for CI log readers.
function totalsReporter() {
  const count = (suite, t) => {
    for (const x of suite?.tests ?? []) x.skipped ? t.skipped++ : x.passed ? t.passed++ : t.failed++;
    for (const s of suite?.suites ?? []) count(s, t);
  };
  return {
    stop({ sessions }) {
      const t = { passed: 0, failed: 0, skipped: 0 };
      for (const s of sessions) {
        const before = t.failed;
        count(s.testResults, t);
        if (!s.passed && t.failed === before) t.failed++; // the file failed to load, or a browser error
      }
      console.log(`\n${engine}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
    },
  };
}

export default {
  rootDir: root,
  reporters: [defaultReporter(), totalsReporter()],
  files: process.env.TEST_FILES ?? 'test/browser/**/*.test.ts',
  nodeResolve: { exportConditions: ['browser', 'development'] }, // msw must load its browser build
  concurrency: 1,
  browserStartTimeout: 60000,
  testsFinishTimeout: 300000,
  plugins: [esbuildPlugin({ ts: true, target: 'es2020' }), serverPlugin],
  middleware: [
    sseFixtures(),
    cspPage(),
    (ctx, next) => {
      // msw's worker at '/', so its scope covers the test pages.
      if (ctx.path !== '/mockServiceWorker.js') return next();
      ctx.type = 'application/javascript';
      ctx.body = createReadStream(mswWorkerFile);
    },
  ],
  browsers,
  testFramework: { config: { timeout: 20000 } },
};
