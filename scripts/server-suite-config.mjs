// The @web/test-runner config of a suite whose tests drive third-party servers that the config
// started (web-test-runner.nchan.config.mjs, web-test-runner.pushpin.config.mjs): one engine per
// run (BROWSERS), one test file at a time, the servers' URLs handed to the pages as a module,
// and the servers' controls answered over HTTP to the pages.
import { defaultReporter } from '@web/test-runner';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { fileURLToPath } from 'node:url';
import { launchers, totalsReporter } from './wtr-browsers.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

async function jsonBody(ctx) {
  const chunks = [];
  for await (const c of ctx.req) chunks.push(c);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

/**
 * `label`: the suite's name ('nchan'): its totals line, its tests under test/<label>/, its
 * controls at POST /_<label>/<name>. `envModule`: { name, value }: test/<label>/env.ts is served
 * as `export const <name> = <value as JSON>`. `controls`: { name: async (body) => answer }.
 * `stop`: stops the servers; called once, at the end of the run or on SIGINT/SIGTERM.
 */
export async function serverSuiteConfig({ label, envModule, controls, stop }) {
  let stopping = null;
  const stopOnce = () => (stopping ??= stop());
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => stopOnce().then(() => process.exit(130)));

  const prefix = `/_${label}/`;
  const plugin = {
    name: `pushline-${label}`,
    serve(ctx) {
      if (ctx.path === `/test/${label}/env.ts`) return { body: `export const ${envModule.name} = ${JSON.stringify(envModule.value)};`, type: 'js' };
    },
    async serverStop() {
      await stopOnce();
    },
  };
  async function controlMiddleware(ctx, next) {
    if (!ctx.path.startsWith(prefix)) return next();
    const fn = controls[ctx.path.slice(prefix.length)];
    if (!fn) return next();
    try {
      ctx.body = JSON.stringify(await fn(await jsonBody(ctx)));
      ctx.type = 'application/json';
    } catch (e) {
      ctx.status = 500;
      ctx.body = String(e && e.stack ? e.stack : e);
    }
  }

  const engine = process.env.BROWSERS ?? 'chromium';
  return {
    rootDir: root,
    hostname: '127.0.0.1',
    reporters: [defaultReporter(), totalsReporter(`${label} ${engine}`)],
    files: process.env.TEST_FILES ?? `test/${label}/**/*.test.ts`,
    nodeResolve: { exportConditions: ['browser', 'development'] },
    concurrency: 1,
    browserStartTimeout: 60000,
    testsFinishTimeout: 600000,
    plugins: [esbuildPlugin({ ts: true, target: 'es2020' }), plugin],
    middleware: [controlMiddleware],
    browsers: await launchers(engine),
    // TEST_GREP: only the tests whose names match (mocha's grep), while working on a few.
    testFramework: { config: { timeout: 60000, ...(process.env.TEST_GREP ? { grep: process.env.TEST_GREP } : {}) } },
  };
}
