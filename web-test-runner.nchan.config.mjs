// @web/test-runner for the nchan profile: real browsers against real nginx+nchan servers.
// Starts (scripts/nchan-servers.mjs) a memory-store node "m" behind a TCP proxy that can cut
// every connection, and two nodes "a" and "b" sharing one redis-server, all on 127.0.0.1, in a
// temp dir; stops them at the end. The test pages drive them through /_nchan/* (below).
// BROWSERS=chromium|firefox|webkit picks the engine; scripts/nchan-test.mjs runs each in turn.
import { startNchanEnv } from './scripts/nchan-servers.mjs';
import { serverSuiteConfig } from './scripts/server-suite-config.mjs';

const env = await startNchanEnv();

/** What the test pages get as test/nchan/env.ts. */
const pageEnv = {
  // Node m, through the drop proxy (subscribers) and directly.
  m: { url: env.proxy.url, direct: env.nodes.m.url },
  a: { url: env.nodes.a.url },
  b: { url: env.nodes.b.url },
};

// ---- controls for the test pages ----------------------------------------------------------

function node(name) {
  const n = env.nodes[name];
  if (!n) throw new Error(`no node ${name}`);
  return n;
}

/**
 * Publishes one message after another (so ids follow publication order); returns the ids.
 * `location`: the publisher location (`pub`, or `pubsmall` to keep only a few messages).
 * `partial`: on a refusal (nchan answers 503 while its Redis is down), stop and return the ids
 * published so far with the error, instead of throwing.
 */
async function publish(name, channel, messages, event, location = 'pub', partial = false) {
  const ids = [];
  for (const data of messages) {
    const headers = { Accept: 'application/json', 'Content-Type': 'text/plain' };
    if (event) headers['X-EventSource-Event'] = event;
    try {
      const res = await fetch(`${node(name).url}/${location}/${encodeURIComponent(channel)}`, { method: 'POST', headers, body: data });
      if (res.status !== 201 && res.status !== 202) throw new Error(`publish on ${name}: HTTP ${res.status} ${await res.text()}`);
      ids.push((await res.json()).last_message_id);
    } catch (e) {
      if (!partial) throw e;
      return { ids, error: e.message };
    }
  }
  return { ids, error: null };
}

const controls = {
  async publish(b) {
    return publish(b.node ?? 'm', b.channel, b.messages, b.event, b.location, !!b.partial);
  },
  /**
   * Crashes redis-server (SIGKILL) and starts it again, with the given persistence (none,
   * always, everysec; scripts/nchan-servers.mjs) or the current one; resolves once nodes a and b
   * publish through it again. `nodes`: nginx nodes stopped while Redis is down and started
   * again (their local copies of the channels go too).
   */
  async redisRestart(b) {
    const t = Date.now();
    await env.redis.crash();
    for (const name of b.nodes ?? []) await node(name).stop();
    await env.redis.start({ persistence: b.persistence });
    for (const name of b.nodes ?? []) await node(name).start();
    const restarted = Date.now() - t;
    await Promise.all([env.nodes.a.redisReady(), env.nodes.b.redisReady()]);
    return { restartMs: restarted, readyMs: Date.now() - t, persistence: env.redis.persistence };
  },
  /** Cuts every connection to node m; with `outage` (ms), refuses new ones that long. */
  async drop(b) {
    return { connections: env.proxy.drop(b.outage ?? 0) };
  },
  async disable(b) {
    node(b.node ?? 'm').disable(b.transport, !!b.on);
    return {};
  },
  async stop(b) {
    const t = Date.now();
    await node(b.node).stop();
    return { ms: Date.now() - t };
  },
  async start(b) {
    const t = Date.now();
    await node(b.node).start();
    return { ms: Date.now() - t };
  },
  async info(b) {
    const res = await fetch(`${node(b.node ?? 'm').url}/pub/${encodeURIComponent(b.channel)}`, { headers: { Accept: 'application/json' } });
    return res.status === 404 ? { messages: 0 } : res.json();
  },
  /** The last `count` messages of a channel, oldest first, read with a long-poll walk. */
  async messages(b) {
    const out = [];
    let id = null;
    for (;;) {
      const q = id ? `?last_event_id=${encodeURIComponent(id)}` : '';
      const ctrl = new AbortController();
      const t = setTimeout(() => ctrl.abort(), 300);
      try {
        const res = await fetch(`${node(b.node ?? 'm').url}/poll/${encodeURIComponent(b.channel)}${q}`, { signal: ctrl.signal });
        const lm = res.headers.get('Last-Modified');
        id = `${Math.floor(Date.parse(lm) / 1000)}:${res.headers.get('Etag')}`;
        out.push({ id, data: await res.text(), contentType: res.headers.get('Content-Type') });
      } catch {
        return out; // held: no more messages
      } finally {
        clearTimeout(t);
      }
    }
  },
};

export default await serverSuiteConfig({ label: 'nchan', envModule: { name: 'NCHAN', value: pageEnv }, controls, stop: () => env.close() });
