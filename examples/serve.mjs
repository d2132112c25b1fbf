#!/usr/bin/env node
// Runs one example against the reference server:
//
//   node examples/serve.mjs legacy      (npm run example:legacy)
//   node examples/serve.mjs esm-app     (npm run example:esm, which bundles the app first)
//
// Serves the example's folder at the root, the package's bundles beside it (/pushline.min.js),
// and the endpoints under /realtime, as the quickstarts in the README have them; publishes a
// `tick` message every second ({"n":1,"time":"…"}) and echoes back, as an `echo` message,
// whatever a page sends. Needs `npm run build`.
//
// Each example has its own port (legacy 8788, esm-app 8789), so both run beside `npm start`
// (8787); when that port is taken, a free one is used instead and the printed URL says which.
// PORT=N asks for a port, and then it is that one or an error.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

export const EXAMPLES = ['legacy', 'esm-app'];
/** Each example's own port: beside `npm start` (8787) and beside each other. */
export const DEFAULT_PORTS = { legacy: 8788, 'esm-app': 8789 };
/** Where the endpoints are mounted: the pages connect to '/realtime'. */
export const ENDPOINT_PATH = '/realtime';

/**
 * Starts the server for one example. Resolves to { url, server, close() }.
 * `tick`: ms between tick messages (0: none). `orFreePort`: when `port` is taken, take a free
 * one instead of failing with EADDRINUSE.
 */
export async function serveExample(name, { port = 0, host = '127.0.0.1', tick = 1000, orFreePort = false } = {}) {
  if (!EXAMPLES.includes(name)) throw new Error(`unknown example ${JSON.stringify(name)}: expected one of ${EXAMPLES.join(', ')}`);
  if (!existsSync(path.join(dist, 'server', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const folder = path.join(here, name);
  // The ESM app has its own dist/ (its rollup bundle, which contains Pushline); the legacy page
  // loads the library's script-tag bundle from /pushline.min.js (the server's `bundles`).
  if (name === 'esm-app' && !existsSync(path.join(folder, 'dist', 'app.js'))) {
    console.warn('examples/esm-app/dist/app.js is missing: run `npx rollup -c examples/esm-app/rollup.config.mjs` (npm run example:esm does)');
  }
  const { createServer } = await import('../dist/server/index.js');
  let server = null;
  const options = {
    port,
    host,
    path: ENDPOINT_PATH,
    static: folder,
    bundles: name === 'legacy',
    // What pages send (a WebSocket frame, or POST /send) comes back to every page as an 'echo'.
    onMessage: (data, info) => {
      server.publish(`${info.transport ?? 'a'} client said: ${data}`, { event: 'echo' });
    },
  };
  try {
    server = await createServer(options);
  } catch (err) {
    if (!(orFreePort && err.code === 'EADDRINUSE')) throw err;
    server = await createServer({ ...options, port: 0 });
  }
  let n = 0;
  const timer = tick > 0 ? setInterval(() => server.publish(JSON.stringify({ n: ++n, time: new Date().toISOString() }), { event: 'tick' }), tick) : null;
  return {
    url: server.url,
    server,
    async close() {
      if (timer) clearInterval(timer);
      await server.close();
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const name = process.argv[2];
  const asked = process.env.PORT;
  const port = asked === undefined ? (DEFAULT_PORTS[name] ?? 0) : Number(asked);
  serveExample(name, { port, orFreePort: asked === undefined }).then(
    (ex) => {
      if (port && ex.server.port !== port) console.log(`(port ${port} is in use, by \`npm start\` or another example? This one took a free port.)`);
      console.log(`Pushline example "${name}": open ${ex.url}/  (a tick every second; Ctrl-C to stop)`);
      const stop = () => ex.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err) => {
      const hint = err.code === 'EADDRINUSE' ? ` (port ${port} is in use: PORT=0 takes a free one)` : '';
      console.error(`examples/serve.mjs: ${err.message}${hint}\nusage: node examples/serve.mjs ${EXAMPLES.join('|')}`);
      process.exit(1);
    },
  );
}
