// Size budgets of the bundles (bytes are deterministic, so this is a test; timings are not).
//
// Readability comes first: a minifier renames and inlines, people should not. The budgets are
// limits, not targets, and are never met by golfing the source. The script tag is still smaller
// than the multi-transport peers with fewer features (socket.io-client 13,028 B, SignalR 14,282 B).
//
// History: the 6,144 B target for the script tag was withdrawn (issue 16) after a chase of it
// had turned the source into byte-golf (7,982 B then; budgets 8,000 / 10,000 / 4,864). The
// readable rewrite of the client took the tags to 9,153 / 10,901 B and one transport to 5,731 B,
// under budgets of 10,240 / 12,288 / 6,144 B. The issues that followed each added what they
// asked for to every client: gap detection (prev), exactly-once batched sends, the EventSource
// conformance fixes, the transport race, SSE read by the client with token refresh and
// Retry-After, typed events, stats() and a logger; size work on the way took back ~1,100 B
// without golfing. BENCHMARKS.md ("Size: what each issue cost") has the figure of every step.
// The budgets now sit ~3 % above what that costs, so that the next feature must say what it
// costs: 12,288 B for pushline.min.js, 13,824 B for pushline.full.min.js, 7,424 B for
// createClient + one transport.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

/** createClient() with one transport, bundled from the ESM build. */
const ONE_TRANSPORT_BUDGET = 7424;
const BUDGETS = {
  // Four transports, fallback, reconnection, resume, EventSource polyfill, data-* set-up.
  'pushline.min.js': 12288,
  // The same plus cross-tab sharing, upgrade back to WebSocket and the remembered transport.
  'pushline.full.min.js': 13824,
};

for (const [file, budget] of Object.entries(BUDGETS)) {
  test(`dist/${file} stays within ${budget} bytes gzip`, () => {
    const bytes = gzipSync(readFileSync(new URL('../../dist/' + file, import.meta.url)), { level: 9 }).length;
    console.log(`${file}: ${bytes} bytes gzip (budget ${budget})`);
    assert.ok(bytes <= budget, `${bytes} bytes gzip exceeds the budget of ${budget}`);
  });
}

// Tree-shaking of the ESM build: an SPA that passes one transport to createClient() must not
// carry the others, the optional features or the EventSource polyfill. A module-level call (or a
// class static block) in any module keeps its module in every bundle; this caught one.
test('createClient + websocket, bundled from dist/pushline.mjs, carries only what it uses', async () => {
  const mjs = fileURLToPath(new URL('../../dist/pushline.mjs', import.meta.url));
  const entry = `import { createClient, websocket } from ${JSON.stringify(mjs)};\nexport default (u) => createClient(u, { transports: [websocket] });`;
  const r = await esbuild.build({ stdin: { contents: entry, loader: 'js', resolveDir: process.cwd() }, bundle: true, minify: true, format: 'esm', write: false, logLevel: 'silent' });
  const code = r.outputFiles[0].text;
  const bytes = gzipSync(code, { level: 9 }).length;
  console.log(`createClient + websocket: ${bytes} bytes gzip (budget ${ONE_TRANSPORT_BUDGET})`);
  for (const marker of ['lastEventIdQueryParameter', 'event-stream', 'xhrLimit', 'pushline:transport:', 'BroadcastChannel']) {
    assert.ok(!code.includes(marker), `the bundle carries ${JSON.stringify(marker)}: something is not tree-shaken`);
  }
  assert.ok(bytes <= ONE_TRANSPORT_BUDGET, `${bytes} bytes gzip exceeds the budget of ${ONE_TRANSPORT_BUDGET}`);
});

