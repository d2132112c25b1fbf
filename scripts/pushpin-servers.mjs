// A real pushpin (Debian: pushpin, with condure and zurl) in front of the Pushline origin of
// examples/pushpin/origin.mjs, for the pushpin tests. pushpin runs with the example's own
// pushpin.conf and routes, rewritten for a temporary directory (its run and log files, its
// ZeroMQ IPC sockets) and two free 127.0.0.1 ports; a TCP proxy in front of it cuts every client
// connection on demand.
//
//   const env = await startPushpinEnv({ recheck: 3 });   // origin options
//   env.proxy.url      // where clients connect (through the cut proxy); env.pushpin.url: direct
//   env.origin.publish('hello'); env.proxy.drop();
//   await env.close(); // stops pushpin, the proxy and the origin, removes the temp dir
//
// Also a CLI for trying things by hand: `node scripts/pushpin-servers.mjs` starts the same set
// (the origin publishing a tick every second), prints the URLs and waits for Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDropProxy, freePort, stopChild, track, until } from './local-servers.mjs';

export const PUSHPIN = process.env.PUSHPIN_BIN ?? '/usr/bin/pushpin';
/** The programs pushpin's runner starts (services= in pushpin.conf), looked up on PATH by it. */
const SERVICES = ['condure', 'zurl', 'pushpin-proxy', 'pushpin-handler'];
const EXAMPLE = fileURLToPath(new URL('../examples/pushpin/', import.meta.url));

/** What is missing to run the pushpin tests, as an install hint, or null. */
export function missing() {
  const gone = [PUSHPIN, ...SERVICES.map((name) => `/usr/bin/${name}`)].filter((file) => !existsSync(file));
  return gone.length ? `missing ${gone.join(', ')}: apt-get install -y pushpin` : null;
}

/**
 * An INI file with some values replaced: `values` is { section: { key: value } }; keys not in
 * the file are added at the end of their section (sections are expected to exist).
 */
export function rewriteIni(text, values) {
  const pending = Object.fromEntries(Object.entries(values).map(([section, keys]) => [section, new Map(Object.entries(keys))]));
  const out = [];
  let section = null;
  const flush = () => {
    for (const [key, value] of pending[section] ?? []) out.push(`${key}=${value}`);
    pending[section]?.clear();
  };
  for (const line of text.split('\n')) {
    const header = /^\[(.+)\]\s*$/.exec(line);
    if (header) {
      flush();
      section = header[1];
      out.push(line);
      continue;
    }
    const entry = /^([A-Za-z0-9_]+)=/.exec(line);
    const replaced = entry && pending[section]?.get(entry[1]);
    if (replaced === undefined || replaced === null) out.push(line);
    else {
      out.push(`${entry[1]}=${replaced}`);
      pending[section].delete(entry[1]);
    }
  }
  flush();
  return out.join('\n');
}

/**
 * pushpin with the example's configuration, in `dir`, routing to the origin on `originPort`.
 * start()/stop() may be called again (same ports, same config).
 */
export async function createPushpin({ dir, originPort, publishPort = null, logLevel = Number(process.env.PUSHPIN_LOG_LEVEL ?? 2) }) {
  for (const d of [join(dir, 'run'), join(dir, 'log')]) mkdirSync(d, { recursive: true });
  const httpPort = await freePort();
  publishPort ??= await freePort();
  const routes = readFileSync(join(EXAMPLE, 'routes'), 'utf8').replace('127.0.0.1:8000', `127.0.0.1:${originPort}`);
  writeFileSync(join(dir, 'routes'), routes);
  const config = rewriteIni(readFileSync(join(EXAMPLE, 'pushpin.conf'), 'utf8'), {
    global: { rundir: join(dir, 'run') },
    runner: { http_port: `127.0.0.1:${httpPort}`, logdir: join(dir, 'log'), log_level: logLevel },
    // Informative error bodies instead of "Error while proxying to origin.", for failing tests.
    proxy: { routesfile: join(dir, 'routes'), debug: 'true' },
    handler: { push_in_http_port: publishPort },
  });
  const file = join(dir, 'pushpin.conf');
  writeFileSync(file, config);
  const url = `http://127.0.0.1:${httpPort}`;
  const publishUrl = `http://127.0.0.1:${publishPort}`;
  let child = null;
  const pushpin = {
    url,
    publishUrl,
    httpPort,
    dir,
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (pushpin.running) return;
      const out = [];
      // Its own process group: if this process dies, the exit hook kills the runner and the
      // services it started (condure, zurl, pushpin-proxy, pushpin-handler) together.
      child = track(spawn(PUSHPIN, ['--config', file], { stdio: ['ignore', 'pipe', 'pipe'], detached: true }), { group: true });
      for (const stream of [child.stdout, child.stderr]) stream.on('data', (b) => out.push(b.toString()));
      const me = child;
      await until(
        'pushpin',
        async () => {
          if (me.exitCode !== null) throw new Error(`pushpin exited: ${out.join('')}`);
          // Both halves: the publish API answers, and a request through the proxy reaches the origin.
          if (!(await fetch(`${publishUrl}/`)).ok) return false;
          return (await fetch(`${url}/_pushpin_ready`)).status === 404;
        },
        20000,
      );
    },
    /** SIGTERM: the runner stops its services; every client connection is cut. */
    async stop() {
      const c = child;
      child = null;
      await stopChild(c);
    },
    log(service = 'pushpin-handler') {
      try {
        return readFileSync(join(dir, 'log', `${service}.log`), 'utf8');
      } catch {
        return '';
      }
    },
  };
  return pushpin;
}

/**
 * The whole test set-up: the origin (createPushpinOrigin with `originOptions`), pushpin in front
 * of it, and a cut proxy in front of pushpin.
 */
export async function startPushpinEnv(originOptions = {}) {
  const problem = missing();
  if (problem) throw new Error(problem);
  const { createPushpinOrigin } = await import('../examples/pushpin/origin.mjs');
  const root = mkdtempSync(join(tmpdir(), 'pushline-pushpin-'));
  const started = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop().catch(() => {});
    rmSync(root, { recursive: true, force: true });
  };
  try {
    // pushpin's publish port is chosen before the origin starts, the origin's port before pushpin does.
    const publishPort = await freePort();
    const origin = await createPushpinOrigin({ ...originOptions, publishUrl: `http://127.0.0.1:${publishPort}` });
    started.push(() => origin.close());
    const pushpin = await createPushpin({ dir: root, originPort: origin.port, publishPort });
    started.push(() => pushpin.stop());
    await pushpin.start();
    const proxy = await createDropProxy(pushpin.httpPort);
    started.push(() => proxy.close());
    return { root, origin, pushpin, proxy, close: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = await startPushpinEnv();
  let n = 0;
  const timer = setInterval(() => env.origin.publish(`tick ${++n}`, { event: 'tick' }).catch((e) => console.error(e.message)), 1000);
  console.log(`origin ${env.origin.url}`);
  console.log(`pushpin ${env.pushpin.url} (publish API ${env.pushpin.publishUrl}; files in ${env.root})`);
  console.log(`pushpin through the cut proxy: ${env.proxy.url}`);
  const bye = async () => {
    clearInterval(timer);
    await env.close();
    process.exit(0);
  };
  process.on('SIGINT', bye);
  process.on('SIGTERM', bye);
}
