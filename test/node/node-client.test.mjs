// The client in Node, as a server-rendered app or a Node script meets it: importing the ESM
// build touches nothing (no global, no timer, no throw), and with a global WebSocket (native in
// Node >= 22; here the `ws` package's, installed by hand, since this machine has Node 20) it
// connects to the reference server and receives and sends. Build first: npm run build.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { createServer } from '../../dist/server/index.js';
import { connect, createClient, websocket } from '../../dist/pushline.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Run in a fresh Node process (so nothing of the test runner is in the way): records the
 * globals, the own names of the built-in prototypes and the timers and handles that exist,
 * imports every ESM entry of the package, and prints what changed as JSON.
 */
const IMPORT_PROBE = `
const PROTOTYPES = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype, String: String.prototype,
  Promise: Promise.prototype, EventTarget: EventTarget.prototype, Map: Map.prototype, Set: Set.prototype };
const scheduled = [];
const settle = ((wait) => () => new Promise((resolve) => wait(resolve, 50)))(setTimeout);
for (const name of ['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask']) {
  const original = globalThis[name];
  globalThis[name] = function (...args) { scheduled.push(name); return original.apply(this, args); };
}
const originalNextTick = process.nextTick;
process.nextTick = function (...args) { scheduled.push('process.nextTick'); return originalNextTick.apply(this, args); };
const snapshot = () => ({
  globals: new Map(Reflect.ownKeys(globalThis).map((k) => [k, Object.getOwnPropertyDescriptor(globalThis, k)])),
  prototypes: Object.fromEntries(Object.entries(PROTOTYPES).map(([n, p]) => [n, Reflect.ownKeys(p).map(String).sort().join()])),
  resources: process.getActiveResourcesInfo().sort().join(),
});
const same = (a, b) => a && b && Object.is(a.value, b.value) && a.get === b.get && a.set === b.set && a.writable === b.writable && a.enumerable === b.enumerable && a.configurable === b.configurable;
const before = snapshot();
const loaded = {};
const thrown = [];
for (const specifier of ['pushline', 'pushline/nchan', 'pushline/sse']) {
  try {
    loaded[specifier] = Object.keys(await import(specifier)).length;
  } catch (err) {
    thrown.push(specifier + ': ' + err.message);
  }
}
// The loader's own file reads (a CloseReq) finish first: only what the modules opened remains.
const calls = scheduled.length;
await settle();
scheduled.length = calls;
const after = snapshot();
const changed = [...new Set([...before.globals.keys(), ...after.globals.keys()])].filter((k) => !same(before.globals.get(k), after.globals.get(k))).map(String);
const prototypes = Object.keys(PROTOTYPES).filter((n) => before.prototypes[n] !== after.prototypes[n]);
console.log(JSON.stringify({ loaded, thrown, changed, prototypes, scheduled, resources: [before.resources, after.resources] }));
`;

describe('in Node', () => {
  test('importing pushline, pushline/nchan and pushline/sse is side-effect free: no global, prototype, timer or handle, no throw; the process ends by itself', async () => {
    // Run from the package root, so that 'pushline' resolves through the package's own "exports".
    const { stdout, stderr } = await new Promise((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', IMPORT_PROBE], { cwd: ROOT, timeout: 10000 }, (err, out, errOut) => {
        if (err) reject(Object.assign(err, { stderr: errOut }));
        else resolve({ stdout: out, stderr: errOut });
      });
    });
    assert.equal(stderr, '');
    const report = JSON.parse(stdout);
    assert.deepEqual(report.thrown, []);
    for (const specifier of ['pushline', 'pushline/nchan', 'pushline/sse']) assert.ok(report.loaded[specifier] > 0, `${specifier} has exports`);
    assert.deepEqual(report.changed, [], 'globals added, removed or replaced');
    assert.deepEqual(report.prototypes, [], 'built-in prototypes changed');
    assert.deepEqual(report.scheduled, [], 'timers or ticks scheduled');
    assert.equal(report.resources[1], report.resources[0], 'handles opened');
  });

  describe('with a global WebSocket (the `ws` package, as Node >= 22 has natively)', () => {
    /** Installs ws as globalThis.WebSocket for one test; what was there before comes back after. */
    function installWebSocket(t) {
      const had = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
      globalThis.WebSocket = WebSocket;
      t.after(() => {
        if (had) Object.defineProperty(globalThis, 'WebSocket', had);
        else delete globalThis.WebSocket;
      });
    }

    const clients = {
      "connect(url, { transports: ['websocket'] })": (url) => connect(url, { transports: ['websocket'] }),
      'createClient(url, { transports: [websocket] })': (url) => createClient(url, { transports: [websocket] }),
    };
    for (const [label, make] of Object.entries(clients)) {
      for (const path of [undefined, '/realtime']) {
        test(`${label} to ${path ? `srv.endpoint (path ${path})` : 'srv.url'}: opens, receives a published message, sends, closes`, async (t) => {
          installWebSocket(t);
          const received = [];
          const srv = await createServer({ port: 0, host: '127.0.0.1', path, onMessage: (data, info) => received.push([data, info.transport]) });
          t.after(() => srv.close());
          const client = make(path ? srv.endpoint : srv.url);
          t.after(() => client.close());
          const events = [];
          const opened = new Promise((resolve) => client.once('open', resolve));
          const message = new Promise((resolve) => client.once('message', resolve));
          client.on('error', (err) => events.push(['error', err.code, err.message]));

          assert.deepEqual(await opened, { transport: 'websocket', resumed: false });
          assert.equal(client.transport, 'websocket');
          const id = srv.publish('hello from the server', { event: 'chat' });
          assert.deepEqual(await message, { data: 'hello from the server', id, event: 'chat' });
          assert.equal(client.lastEventId, id);

          client.send('hello from node');
          for (const end = Date.now() + 5000; !received.length && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
          assert.deepEqual(received, [['hello from node', 'websocket']]);

          const closed = new Promise((resolve) => client.once('close', resolve));
          client.close();
          assert.deepEqual(await closed, { error: null });
          assert.deepEqual(events, []);
        });
      }
    }
  });
});
