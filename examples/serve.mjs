#!/usr/bin/env node
// Runs one example against the reference server:
//
//   node examples/serve.mjs legacy      (npm run example:legacy)
//   node examples/serve.mjs esm-app     (npm run example:esm, which bundles the app first)
//
// Serves the example's folder at the root and the repository's dist/ (the bundles) under /dist/,
// publishes a `tick` message every second ({"n":1,"time":"…"}) and echoes back, as an `echo`
// message, whatever a page sends. PORT picks the port (default 8787). Needs `npm run build`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

export const EXAMPLES = ['legacy', 'esm-app'];

/**
 * Starts the server for one example. Resolves to { url, server, close() }.
 * `tick`: ms between tick messages (0: none).
 */
export async function serveExample(name, { port = 0, host = '127.0.0.1', tick = 1000 } = {}) {
  if (!EXAMPLES.includes(name)) throw new Error(`unknown example ${JSON.stringify(name)}: expected one of ${EXAMPLES.join(', ')}`);
  if (!existsSync(path.join(dist, 'server', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const folder = path.join(here, name);
  // The ESM app has its own dist/ (its rollup bundle, which contains Pushline); the legacy page
  // loads the library's script-tag bundle from /dist/pushline.min.js.
  const ownDist = name === 'esm-app';
  if (ownDist && !existsSync(path.join(folder, 'dist', 'app.js'))) {
    console.warn('examples/esm-app/dist/app.js is missing: run `npx rollup -c examples/esm-app/rollup.config.mjs` (npm run example:esm does)');
  }
  const { createServer } = await import('../dist/server/index.js');
  let server = null;
  server = await createServer({
    port,
    host,
    static: folder,
    mounts: ownDist ? {} : { '/dist': dist },
    // What pages send (a WebSocket frame, or POST /send) comes back to every page as an 'echo'.
    onMessage: (data, info) => {
      server.publish(`${info.transport ?? 'a'} client said: ${data}`, { event: 'echo' });
    },
  });
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
  const port = Number(process.env.PORT ?? 8787);
  serveExample(name, { port }).then(
    (ex) => {
      console.log(`Pushline example "${name}": open ${ex.url}/  (a tick every second; Ctrl-C to stop)`);
      const stop = () => ex.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err) => {
      const hint = err.code === 'EADDRINUSE' ? ` (port ${port} is taken: try PORT=${port + 1})` : '';
      console.error(`examples/serve.mjs: ${err.message}${hint}\nusage: node examples/serve.mjs ${EXAMPLES.join('|')}`);
      process.exit(1);
    },
  );
}
