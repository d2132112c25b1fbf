// @web/test-runner for Pushline through pushpin: real browsers against a real pushpin (Debian's
// package) in front of the origin of examples/pushpin/origin.mjs. scripts/pushpin-servers.mjs
// starts the origin (in this process), pushpin (in a temp dir, on free 127.0.0.1 ports) and a
// TCP proxy in front of pushpin that cuts every connection on demand, and stops them at the end.
// The test pages drive them through /_pushpin/* (below).
// BROWSERS=chromium|firefox|webkit picks the engine; scripts/pushpin-test.mjs runs each in turn.
import { startPushpinEnv } from './scripts/pushpin-servers.mjs';
import { serverSuiteConfig } from './scripts/server-suite-config.mjs';

/** The origin's history: the gap tests publish more than this. */
const HISTORY = 1000;
const env = await startPushpinEnv({
  history: HISTORY,
  heartbeat: 5000,
  // pushpin's shortest hold, so that a long poll caught by a cut is answered soon.
  pollTimeout: 5000,
  // A quiet stream asks the origin after 3 s whether it missed its last message (WebSocket: 20 s,
  // pushpin's shortest keep-alive interval).
  recheck: 3,
});

/** What the test pages get as test/pushpin/env.ts. */
const pageEnv = { url: env.proxy.url, direct: env.pushpin.url, history: HISTORY };

// ---- controls for the test pages ----------------------------------------------------------

const { origin, proxy } = env;
const controls = {
  /** Publishes messages in order (each handed to pushpin before the next); returns their ids. */
  async publish(b) {
    return { ids: await Promise.all(b.messages.map((m) => origin.publish(m.data, { event: m.event }))) };
  },
  async drop() {
    return { connections: proxy.drop() };
  },
  async lose(b) {
    origin.lose(b.transport, b.count);
    return {};
  },
  async reliable(b) {
    origin.reliable = !!b.on;
    return {};
  },
  async received() {
    return origin.received;
  },
  async stats() {
    return origin.stats;
  },
};

export default await serverSuiteConfig({ label: 'pushpin', envModule: { name: 'PUSHPIN', value: pageEnv }, controls, stop: () => env.close() });
