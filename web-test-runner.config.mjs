// @web/test-runner: real browsers (Debian's Chromium, Firefox ESR, WebKitGTK) against the real
// reference server. BROWSERS=chromium|firefox|webkit picks the engine (scripts/wtr.mjs runs
// each in turn, so engines never share a server whose blocks and history a test changes).
// WebKit needs an X display: scripts/wtr.mjs wraps the run in xvfb-run.
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defaultReporter } from '@web/test-runner';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { createServer } from './dist/server/index.js';
import { launchers, totalsReporter } from './scripts/wtr-browsers.mjs';
import { sseFixtures } from './test/fixtures/sse-fixtures.mjs';
import { cspPage } from './test/fixtures/csp.mjs';
import { startBetterSseServer, startHandWrittenServer } from './test/fixtures/plain-sse-servers.mjs';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('.', import.meta.url));
const mswWorkerFile = require.resolve('msw/mockServiceWorker.js');

// One reference server for the run; it also serves the repo (dist/ bundles, test/pages/). The
// test pages publish, drop and block through its HTTP test controls (/_control/*).
// Credentials, for test/browser/auth.test.ts: no token goes; a token starting with "good" goes,
// "forbidden…" gets 403, any other 401. What each request carried is kept for the tests to read.
const credentials = [];
const authorize = ({ endpoint, token, headers, url }) => {
  credentials.push({ endpoint, header: headers.authorization ?? null, query: url.searchParams.get('access_token') });
  if (credentials.length > 1000) credentials.shift();
  return token === null || token.startsWith('good') ? true : token.startsWith('forbidden') ? 403 : 401;
};
const server = await createServer({ port: 0, host: '127.0.0.1', static: root, heartbeat: 1000, pollTimeout: 5000, controls: true, authorize });
// A second one with its endpoints under /realtime and the bundles at its root, as the README's
// quickstarts use it (test/browser/mounted.test.ts).
const mounted = await createServer({ port: 0, host: '127.0.0.1', path: '/realtime', static: root, bundles: true, heartbeat: 1000, pollTimeout: 5000, controls: true });
// Two plain SSE servers (no Pushline protocol) for test/browser/plain-sse.test.ts.
const plainSse = await startHandWrittenServer();
const betterSse = await startBetterSseServer();
const origins = { ORIGIN: server.url, MOUNTED: mounted.url, PLAIN_SSE: plainSse.url, BETTER_SSE: betterSse.url };
const serverPlugin = {
  name: 'pushline-server',
  serve(ctx) {
    if (ctx.path === '/test/browser/origin.ts') {
      return { body: Object.entries(origins).map(([name, url]) => `export const ${name} = ${JSON.stringify(url)};`).join('\n'), type: 'js' };
    }
    if (ctx.path === '/_credentials') return { body: JSON.stringify(credentials.splice(0)), type: 'json' };
  },
  async serverStop() {
    await Promise.all([server.close(), mounted.close(), plainSse.close(), betterSse.close()]);
  },
};

const engine = process.env.BROWSERS ?? 'chromium';
const browsers = await launchers(engine);

export default {
  rootDir: root,
  reporters: [defaultReporter(), totalsReporter(engine)],
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
