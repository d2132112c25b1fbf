#!/usr/bin/env node
/**
 * pushline-server [options]: the reference server from the command line (USAGE below says it
 * all). Prints `Pushline reference server listening on URL` as its first line (the URL, the
 * origin, is the last token, for scripts) and runs until SIGINT or SIGTERM.
 *
 * Exit status: 0 after --help or a signal; 2 for a usage error (unknown flag, bad value, missing
 * --static folder), found before anything listens; 1 for a failure at run time (the port is in
 * use, the host cannot be bound, close failed).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ServerOptions } from './index.js';
import { ReferenceServer } from './server.js';
import { DEFAULTS, settle, type OptionName, type Settings } from './settings.js';

const DEFAULT_PORT = 8787;

const USAGE = `usage: pushline-server [options]

Runs the Pushline reference server: the four transports (WebSocket, SSE, streaming, long
polling) and the send endpoint, a folder of static files, and the built bundles. Prints
"Pushline reference server listening on URL" and runs until Ctrl-C (SIGINT) or SIGTERM.

options (default in brackets):
  --port N           TCP port; 0 picks a free one [${DEFAULT_PORT}]
  --host H           interface to bind [${DEFAULTS.host}]
  --path P           mount the endpoints (P/ws, P/sse, P/stream, P/poll, P/send) at the URL
                     path P, e.g. /realtime, so that pages served here connect to 'P'
                     [none: at the root, connect to '/']
  --static DIR       folder served at the root; it must exist [the demo page]
  --history N        messages kept for resume [${DEFAULTS.history}]
  --heartbeat MS     ping a live connection after MS of silence; 0: never [${DEFAULTS.heartbeat}]
  --poll-timeout MS  how long a long poll is held before it is answered [${DEFAULTS.pollTimeout}]
  --retry MS         reconnection delay to ask clients for [none: clients use their own]
  --controls         serve the HTTP test controls /_control/* (publish, drop, block, lose,
                     received, stats), which the demo page uses. Unauthenticated: anyone
                     who reaches the server can use them [off]
  -h, --help         print this and exit

Also served: the bundles at the root (/pushline.min.js, /pushline.full.min.js, /pushline.mjs,
...) unless the --static folder has a file of the same name, which wins; and all of the
package's dist/ under /dist/. The test controls stay at /_control/* whatever --path says.

exit status: 0 stopped by Ctrl-C/SIGTERM, or --help; 1 failed while running (e.g. the port is
in use); 2 usage error (unknown flag, bad value, missing --static folder).`;

/** Printed after a usage error, under the message. */
const USAGE_HINT = 'usage: pushline-server [options]   (pushline-server --help lists them)';

/** Exit statuses (USAGE says the same). */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/** Thrown for what the person typed: reported with the usage hint, exit status 2. */
class UsageError extends Error {}

/** The flag for each server option the CLI sets, as error messages name it. */
const FLAGS: Partial<Record<keyof ServerOptions, string>> = {
  port: '--port',
  host: '--host',
  path: '--path',
  static: '--static',
  history: '--history',
  heartbeat: '--heartbeat',
  pollTimeout: '--poll-timeout',
  retry: '--retry',
  controls: '--controls',
};
const flagOf: OptionName = (option) => FLAGS[option] ?? option;

/** A flag's whole number, or undefined when the flag is absent. The range is checked by settle(). */
function wholeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} expects a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** What the command line asks for: the server options, and whether the demo page is the static folder. Throws a UsageError. */
function optionsFrom(argv: string[]): { options: ServerOptions; demo: boolean } | 'help' {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        path: { type: 'string' },
        static: { type: 'string' },
        history: { type: 'string' },
        heartbeat: { type: 'string' },
        'poll-timeout': { type: 'string' },
        retry: { type: 'string' },
        controls: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  // This file is dist/server/cli.js: the package root is two levels up.
  const demo = fileURLToPath(new URL('../../demo/', import.meta.url));
  const servesDemo = values.static === undefined && existsSync(demo);
  const options: ServerOptions = {
    port: wholeNumber('--port', values.port) ?? DEFAULT_PORT,
    host: values.host,
    path: values.path,
    static: servesDemo ? demo : values.static,
    mounts: { '/dist': fileURLToPath(new URL('../', import.meta.url)) },
    bundles: true,
    history: wholeNumber('--history', values.history),
    heartbeat: wholeNumber('--heartbeat', values.heartbeat),
    pollTimeout: wholeNumber('--poll-timeout', values['poll-timeout']),
    retry: wholeNumber('--retry', values.retry),
    controls: values.controls ?? false,
  };
  return { options, demo: servesDemo };
}

/** What to tell the person when the server cannot listen. */
function listenFailure(err: NodeJS.ErrnoException, host: string, port: number): string {
  const free = 'pass --port 0 for a free one';
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} is in use: ${free}, or stop the other server`;
    case 'EACCES':
      return `not allowed to listen on port ${port} (ports below 1024 need privileges): ${free}`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on host ${JSON.stringify(host)}: not an address of this machine; try --host 127.0.0.1`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on host ${JSON.stringify(host)}: the name does not resolve (${err.code}); try --host 127.0.0.1`;
    default:
      return `cannot listen on ${host}:${port}: ${err.message}`;
  }
}

async function main(): Promise<void> {
  let settings: Settings;
  let servesDemo: boolean;
  try {
    const asked = optionsFrom(process.argv.slice(2));
    if (asked === 'help') {
      console.log(USAGE);
      return;
    }
    // Every value is checked before anything listens: a bad one is a usage error.
    settings = settle(asked.options, flagOf);
    servesDemo = asked.demo;
  } catch (err) {
    console.error(`pushline-server: ${(err as Error).message}\n${USAGE_HINT}`);
    process.exit(EXIT_USAGE);
  }
  const server = new ReferenceServer(settings);
  try {
    await server.listen();
  } catch (err) {
    console.error(`pushline-server: ${listenFailure(err as NodeJS.ErrnoException, settings.host, settings.port)}`);
    process.exit(EXIT_FAILURE);
  }
  console.log(`Pushline reference server listening on ${server.url}`);
  if (settings.path) {
    console.log(`endpoints at ${server.endpoint}: Pushline.connect('${settings.path}') from a page served here`);
    // The demo page connects to '/' unless told otherwise.
    if (servesDemo) console.log(`demo page: ${server.url}/?endpoint=${encodeURIComponent(settings.path)}`);
  }

  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(EXIT_FAILURE),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('pushline-server:', err instanceof Error ? err.message : err);
  process.exit(EXIT_FAILURE);
});
