#!/usr/bin/env node
/**
 * pushline-server [--port N] [--host H] [--static DIR] [--history N] [--controls]
 *
 * Prints one line, `Pushline reference server listening on URL` (the URL is the last token, for
 * scripts), and runs until SIGINT or SIGTERM. Serves the demo page (the package's demo folder,
 * when present) at the root, and the built bundles under /dist/. `--controls` turns on the HTTP
 * test controls (/_control/*), which the demo page uses; they are unauthenticated.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer } from './index.js';

const USAGE = [
  'usage: pushline-server [--port N] [--host H] [--static DIR] [--history N] [--controls]',
  '  --port N      TCP port (default 8787; 0 picks a free one)',
  '  --host H      interface to bind (default 127.0.0.1)',
  '  --static DIR  folder served at the root (default: the demo page)',
  '  --history N   messages kept for resume (default 1000)',
  '  --controls    serve the HTTP test controls /_control/* (publish, drop, block, received, stats),',
  '                which the demo page uses. Unauthenticated: anyone who reaches the server can use them.',
].join('\n');

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new Error(`--${name} expects a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        static: { type: 'string' },
        history: { type: 'string' },
        controls: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  // This file is dist/server/cli.js: the package root is two levels up.
  const dist = fileURLToPath(new URL('../', import.meta.url));
  const demo = fileURLToPath(new URL('../../demo/', import.meta.url));
  let port: number;
  let history: number;
  try {
    port = integer('port', args.port, 8787);
    history = integer('history', args.history, 1000);
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const srv = await createServer({
    port,
    host: args.host ?? '127.0.0.1',
    static: args.static ?? (existsSync(demo) ? demo : undefined),
    mounts: { '/dist': dist },
    history,
    controls: args.controls ?? false,
  });
  console.log(`Pushline reference server listening on ${srv.url}`);

  const stop = () => {
    srv.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('pushline-server:', err instanceof Error ? err.message : err);
  process.exit(1);
});
