// What both @web/test-runner configs share: the launcher of each engine (Debian's Chromium,
// Firefox ESR over WebDriver BiDi, WebKitGTK's MiniBrowser over WebKitWebDriver) and the
// reporter that prints one plain 'label: N passed, N failed, N skipped' line for CI log readers.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { chromeLauncher } from '@web/test-runner-chrome';
import { webdriverLauncher } from '@web/test-runner-webdriver';
import * as puppeteerCore from 'puppeteer-core';

export async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

export async function waitForHttp(url, ms = 15000) {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
  }
  throw new Error(`not up: ${url}`);
}

/** WebKitGTK's MiniBrowser under WebKitWebDriver (also used by bench/ttfm.mjs, one session per page). */
export const WEBKIT_CAPABILITIES = {
  browserName: 'MiniBrowser',
  'webkitgtk:browserOptions': { binary: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', args: ['--automation'] },
  'wdio:enforceWebDriverClassic': true,
};

/** The launchers for one engine: 'chromium', 'firefox' or 'webkit' (needs an X display). */
export async function launchers(engine) {
  if (engine === 'chromium') {
    return [chromeLauncher({ launchOptions: {
      executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true,
      // As root Chromium needs --no-sandbox; without the background-networking flags it stalls
      // on this machine's closed network.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-default-apps', '--disable-quic'],
    } })];
  }
  if (engine === 'firefox') {
    return [chromeLauncher({
      puppeteer: puppeteerCore.default ?? puppeteerCore, // puppeteer-core over WebDriver BiDi
      launchOptions: { browser: 'firefox', executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', headless: true },
    })];
  }
  if (engine === 'webkit') {
    const port = await freePort();
    const driver = spawn('WebKitWebDriver', [`--port=${port}`], { stdio: 'ignore' });
    process.on('exit', () => driver.kill());
    await waitForHttp(`http://127.0.0.1:${port}/status`);
    return [webdriverLauncher({
      hostname: '127.0.0.1', port, path: '/', logLevel: 'error',
      capabilities: WEBKIT_CAPABILITIES,
    })];
  }
  throw new Error(`BROWSERS=${engine}: expected chromium, firefox or webkit`);
}

/** Prints 'label: N passed, N failed, N skipped' after the run (a file that failed to load counts as failed). */
export function totalsReporter(label) {
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
        if (!s.passed && t.failed === before) t.failed++;
      }
      console.log(`\n${label}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
    },
  };
}
