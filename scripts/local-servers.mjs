// What the scripts that run third-party servers for the tests share (nchan-servers.mjs,
// pushpin-servers.mjs): free loopback ports, waiting for a server to come up, child processes
// that never outlive the runner, and a TCP proxy that cuts every connection through it at once.
import net from 'node:net';

const children = new Map();
/**
 * Registers a spawned server so that it is killed if the runner exits without stopping it.
 * `group`: the child was spawned `detached` (a process group of its own) and starts programs of
 * its own: the whole group is killed.
 */
export function track(child, { group = false } = {}) {
  children.set(child, group);
  child.on('exit', () => children.delete(child));
  return child;
}
// Last resort if the runner dies without calling close(): never leave a server behind.
process.on('exit', () => {
  for (const [c, group] of children) {
    try {
      if (group) process.kill(-c.pid, 'SIGKILL');
      else c.kill('SIGKILL');
    } catch {}
  }
});

export async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `fn()` is truthy (errors count as not yet), polling every 50 ms; throws after `ms`. */
export async function until(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not ready after ${ms} ms${last ? ` (${last.message})` : ''}`);
    await sleep(50);
  }
}

function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Stops a child with `signal`, then SIGKILL if it has not exited after 5 s. */
export async function stopChild(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  if (!(await waitExit(child, 5000))) {
    child.kill('SIGKILL');
    await waitExit(child, 2000);
  }
}

/**
 * A TCP proxy that can cut every connection through it at once (a network drop), without
 * restarting the server behind it: the server keeps its messages and the client must resume.
 * `drop(outageMs)` also refuses new connections for that long (a network outage): a browser
 * that silently resends a request cut on a reused connection cannot get through either.
 */
export async function createDropProxy(targetPort) {
  const sockets = new Set();
  let drops = 0;
  let refuseUntil = 0;
  const server = net.createServer((down) => {
    if (Date.now() < refuseUntil) {
      down.destroy();
      return;
    }
    const up = net.connect(targetPort, '127.0.0.1');
    const pair = [down, up];
    for (const s of pair) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        for (const o of pair) o.destroy();
      });
    }
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get drops() {
      return drops;
    },
    /** Cuts every connection (and refuses new ones for `outageMs`); returns how many there were. */
    drop(outageMs = 0) {
      drops++;
      refuseUntil = Date.now() + outageMs;
      const n = sockets.size;
      for (const s of sockets) s.destroy();
      return n / 2;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
