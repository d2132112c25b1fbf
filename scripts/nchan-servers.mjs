// Real nchan servers for the nchan tests: nginx + the nchan module (Debian: nginx,
// libnginx-mod-nchan) and redis-server, each started in a temporary directory, listening on
// 127.0.0.1 only, in the foreground (so this process owns it), and stopped by stopAll().
//
//   const env = await startNchanEnv();   // node m (memory store, behind a drop proxy),
//                                        // nodes a + b (sharing one redis)
//   ...
//   await env.close();                   // stops everything, removes the temp dir
//
// Also a CLI for trying things by hand: `node scripts/nchan-servers.mjs` starts the same set,
// prints the URLs and waits for Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDropProxy, freePort, stopChild, track, until } from './local-servers.mjs';

export { createDropProxy, freePort };

export const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
export const NCHAN_MODULE = process.env.NCHAN_MODULE ?? '/usr/lib/nginx/modules/ngx_nchan_module.so';
export const REDIS = process.env.REDIS_BIN ?? '/usr/bin/redis-server';
export const TRANSPORT_LOCATIONS = { websocket: 'ws', sse: 'sse', streaming: 'stream', longpoll: 'poll' };

/** What is missing to run the nchan tests, as an install hint, or null. */
export function missing() {
  const gone = [];
  if (!existsSync(NGINX)) gone.push(`nginx (${NGINX})`);
  if (!existsSync(NCHAN_MODULE)) gone.push(`the nchan module (${NCHAN_MODULE})`);
  if (!existsSync(REDIS)) gone.push(`redis-server (${REDIS})`);
  return gone.length ? `missing ${gone.join(', ')}: apt-get install -y nginx libnginx-mod-nchan redis-server` : null;
}

/**
 * How redis-server keeps what it stores across a restart:
 *   none:     nothing (`--save '' --appendonly no`): a restart empties it
 *   always:   the append-only file, written before each reply (`appendfsync always`)
 *   everysec: the append-only file, written once a second (`appendfsync everysec`, Redis's
 *             default for AOF): a crash loses up to the last second
 */
export const REDIS_PERSISTENCE = {
  none: ['--appendonly', 'no'],
  always: ['--appendonly', 'yes', '--appendfsync', 'always'],
  everysec: ['--appendonly', 'yes', '--appendfsync', 'everysec'],
};

/**
 * redis-server on a loopback port, its files in `dir`, no persistence unless asked for.
 * `crash()` kills it (SIGKILL); `start({ persistence })` starts it again on the same port: with
 * `none` it comes back empty. A new persistence mode starts from an empty store (the append-only
 * file of the old mode is removed).
 */
export async function startRedis(dir, { persistence = 'none' } = {}) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let child = null;
  let mode = persistence;
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...REDIS_PERSISTENCE[mode], '--dir', dir, '--logfile', join(dir, 'redis.log')];
    child = track(spawn(REDIS, args, { stdio: 'ignore' }));
    await until('redis', () => ping(port));
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get persistence() {
      return mode;
    },
    crash: () => stopChild(child, 'SIGKILL'),
    async start({ persistence: next = mode } = {}) {
      if (next !== mode) {
        rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true });
        mode = next;
      }
      await launch();
    },
    stop: () => stopChild(child),
  };
}

function ping(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (b) => {
      s.destroy();
      resolve(b.toString().startsWith('+PONG'));
    });
  });
}

/**
 * The nginx configuration of one node. Locations:
 *   /sub/<channel>     every subscriber type at one URL (the profile's default layout)
 *   /ws|sse|stream|poll/<channel>   one subscriber type each; `<flags>/<transport>` existing
 *                      makes it answer 502, like a proxy that refuses the transport
 *   /idle/<channel>    every type, with nchan_subscriber_timeout and keep-alives (heartbeat tests);
 *                      pubsub, since nchan 1.3.6 answers nchan_websocket_client_heartbeat only
 *                      where WebSocket publishing is allowed (elsewhere a client frame: 1008)
 *   /pubsub/<channel>  nchan_pubsub: WebSocket frames publish
 *   /pub/<channel>     the publisher (POST publishes, GET is channel info)
 *   /pubsmall/<channel> a publisher that keeps only the last SMALL_BUFFER messages of a channel
 *   /ready             204 once nginx is up
 * Long polling at /sub/ answers with multipart batches (nchan_longpoll_multipart_response on),
 * as docs/nchan.md recommends; /poll/ keeps nchan's default, one message per answer.
 * With Redis, the nodes reconnect within about a second after a Redis restart (nchan's defaults,
 * a 10 s connect timeout and a backoff up to 10 s, would make each restart test wait that long).
 */
export const SMALL_BUFFER = 5;
export function nginxConfig({ dir, port, redis, flags, buffer = 100000 }) {
  const store = redis ? 'nchan_redis_pass redis_store; ' : '';
  const loc = (path, body) => `    location ~ ^/${path}/([A-Za-z0-9_-]+)$ { ${store}${body} nchan_channel_id $1; }\n`;
  const typeLoc = (name, type) =>
    loc(TRANSPORT_LOCATIONS[name], `if (-f ${join(flags, name)}) { return 502; } nchan_subscriber ${type};`);
  return `# generated by scripts/nchan-servers.mjs
load_module ${NCHAN_MODULE};
daemon off;
master_process on;
worker_processes 1;
worker_shutdown_timeout 1s;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} notice;
events { worker_connections 4096; }
http {
  access_log off;
  nchan_max_reserved_memory 64M;
  client_body_temp_path ${join(dir, 'tmp', 'body')};
  proxy_temp_path ${join(dir, 'tmp', 'proxy')};
  fastcgi_temp_path ${join(dir, 'tmp', 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'tmp', 'uwsgi')};
  scgi_temp_path ${join(dir, 'tmp', 'scgi')};
  ${redis ? `upstream redis_store { nchan_redis_server ${redis}; nchan_redis_connect_timeout 1s; nchan_redis_reconnect_delay_max 1s; }` : ''}
  server {
    listen 127.0.0.1:${port};
    nchan_message_buffer_length ${buffer};
    nchan_message_timeout 30m;
    nchan_access_control_allow_origin *;
    location = /ready { return 204; }
${loc('sub', 'nchan_subscriber; nchan_longpoll_multipart_response on;')}${typeLoc('websocket', 'websocket')}${typeLoc('sse', 'eventsource')}${typeLoc('streaming', 'multipart-mixed')}${typeLoc('longpoll', 'longpoll')}${loc(
    'idle',
    'nchan_pubsub websocket eventsource longpoll multipart-mixed; nchan_subscriber_timeout 3s; nchan_eventsource_ping_interval 1; nchan_eventsource_ping_data keepalive; nchan_websocket_client_heartbeat PING PONG;',
  )}${loc('pubsub', 'nchan_pubsub websocket eventsource longpoll multipart-mixed http;')}${loc('pub', 'nchan_publisher;')}${loc('pubsmall', `nchan_publisher; nchan_message_buffer_length ${SMALL_BUFFER};`)}  }
}
`;
}

/** One nginx+nchan node. start()/stop() may be called again (same port, same config). */
export async function createNode({ name, root, redis = null }) {
  const dir = join(root, name);
  const flags = join(dir, 'flags');
  for (const d of [dir, flags, join(dir, 'tmp')]) mkdirSync(d, { recursive: true });
  // Started as root, nginx's workers run as nobody: they must reach the flags and temp files.
  for (const d of [root, dir, flags]) chmodSync(d, 0o755);
  chmodSync(join(dir, 'tmp'), 0o1777);
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig({ dir, port, redis, flags }));
  const test = spawnSync(NGINX, ['-t', '-q', '-p', dir, '-c', conf], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t failed for node ${name}:\n${test.stderr}`);
  const url = `http://127.0.0.1:${port}`;
  let child = null;
  const node = {
    name,
    port,
    url,
    dir,
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (node.running) return;
      const out = [];
      child = track(spawn(NGINX, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] }));
      child.stderr.on('data', (b) => out.push(b.toString()));
      const me = child;
      await until(`nginx ${name}`, async () => {
        if (me.exitCode !== null) throw new Error(`nginx exited: ${out.join('')}`);
        return (await fetch(`${url}/ready`)).status === 204;
      });
      // A Redis-backed node can publish only once its Redis connection is up.
      if (redis) await node.redisReady(15000);
    },
    /** Resolves once the node publishes again through its Redis (after a Redis restart). */
    async redisReady(ms = 20000) {
      await until(`nchan ${name} on redis`, async () => (await fetch(`${url}/pub/_ready`, { method: 'POST', body: 'ready' })).ok, ms);
    },
    /** SIGTERM: nginx's fast shutdown; every connection is cut. */
    async stop() {
      const c = child;
      child = null;
      await stopChild(c);
    },
    /** Makes a transport's own location answer 502 (or serve again). */
    disable(transport, on) {
      const f = join(flags, transport);
      if (on) writeFileSync(f, '');
      else rmSync(f, { force: true });
    },
    errorLog() {
      try {
        return readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        return '';
      }
    },
  };
  return node;
}

/** The whole test set-up: node m (memory store) behind a drop proxy; nodes a, b on one redis. */
export async function startNchanEnv() {
  const problem = missing();
  if (problem) throw new Error(problem);
  const root = mkdtempSync(join(tmpdir(), 'pushline-nchan-'));
  const started = [];
  try {
    const redis = await startRedis(join(root, 'redis'));
    started.push(() => redis.stop());
    const nodes = {
      m: await createNode({ name: 'm', root }),
      a: await createNode({ name: 'a', root, redis: redis.url }),
      b: await createNode({ name: 'b', root, redis: redis.url }),
    };
    for (const n of Object.values(nodes)) {
      started.push(() => n.stop());
      await n.start();
    }
    const proxy = await createDropProxy(nodes.m.port);
    started.push(() => proxy.close());
    return {
      root,
      redis,
      nodes,
      proxy,
      async close() {
        for (const stop of started.reverse()) await stop().catch(() => {});
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (e) {
    for (const stop of started.reverse()) await stop().catch(() => {});
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = await startNchanEnv();
  console.log(`redis ${env.redis.url}`);
  for (const n of Object.values(env.nodes)) console.log(`node ${n.name}: ${n.url} (${n.dir})`);
  console.log(`node m through the drop proxy: ${env.proxy.url}`);
  const bye = async () => {
    await env.close();
    process.exit(0);
  };
  process.on('SIGINT', bye);
  process.on('SIGTERM', bye);
}
