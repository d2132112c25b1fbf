// Size budgets of the script-tag bundles (bytes are deterministic, so this is a test; timings are not).
//
// Issue target: 6,144 B gzip for the script tag with all four transports, reconnection, resume and
// the EventSource polyfill. NOT MET: dist/pushline.min.js, which carries exactly that (plus the
// data-* set-up), is ~8.0 KiB. What it is made of (gzip, measured by building it without each
// part): the EventSource polyfill with its SSE parser 1,342 B; the data-* set-up 125 B; pausing
// hidden pages 88 B; without the polyfill the bundle is still 6,802 B — the client core
// (fallback, reconnection with backoff and retry budget, resume and duplicate filter, liveness,
// page lifecycle, dynamic options, send queue), four transports, the streaming reader (fetch, or
// XHR progress), URLs and errors. BENCHMARKS.md has the module breakdown.
//
// History of the guard, each change said here, in BENCHMARKS.md and in the issue notes: 8,192 B,
// raised to 9,216 (upgrade back to WebSocket), 10,240 (cross-tab sharing) and 10,368 (parser
// fast paths, reliable follower sends) while one bundle carried everything. Then the optional
// features (sharing, upgrade, remember) moved to their own script tag, pushline.full.min.js
// (10,323 -> 8,463 B for pushline.min.js), and size passes over the polyfill, the transports and
// the client took it to ~8,110 B: the core guard was back to 8,192. The client then became its own
// emitter (no base class, so no Babel inheritance helpers in the ES5 bundle): 7,959 B, guard
// 8,000; the full tag 9,919 B, guard 10,000. `endpoints.send: false` then added 24 B (7,983 B).
// The EventSource polyfill's conformance fixes (issue 20: the DOM's EventTarget as its base,
// non-ASCII Last-Event-ID, DOMException for bad URLs, failing on unfetchable schemes, CORS
// refusals and window.stop(), the page's base URL) added 620 B: 8,602 B, guard 8,704; the full
// tag 10,563 B, guard 10,624 (BENCHMARKS.md has the itemised cost).
// Lower both with every win.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const TARGET = 6144;
const BUDGETS = {
  // Four transports, fallback, reconnection, resume, EventSource polyfill, data-* set-up.
  'pushline.min.js': 8704,
  // The same plus cross-tab sharing, upgrade back to WebSocket and the remembered transport.
  'pushline.full.min.js': 10624,
};

for (const [file, budget] of Object.entries(BUDGETS)) {
  test(`dist/${file} stays within ${budget} bytes gzip`, () => {
    const bytes = gzipSync(readFileSync(new URL('../../dist/' + file, import.meta.url)), { level: 9 }).length;
    console.log(`${file}: ${bytes} bytes gzip (budget ${budget}${file === 'pushline.min.js' ? `, target ${TARGET}` : ''})`);
    assert.ok(bytes <= budget, `${bytes} bytes gzip exceeds the budget of ${budget}`);
  });
}

// Tree-shaking of the ESM build: an SPA that passes one transport to createClient() must not
// carry the others, the optional features or the EventSource polyfill. A module-level call (or a
// class static block) in any module keeps its module in every bundle; this caught one. Budget:
// 5,376 B, then 5,120 (the client its own emitter), then 4,864 (internal members renamed in the
// ESM build too: 4,899 -> 4,714 B).
test('createClient + websocket, bundled from dist/pushline.mjs, carries only what it uses', async () => {
  const mjs = fileURLToPath(new URL('../../dist/pushline.mjs', import.meta.url));
  const entry = `import { createClient, websocket } from ${JSON.stringify(mjs)};\nexport default (u) => createClient(u, { transports: [websocket] });`;
  const r = await esbuild.build({ stdin: { contents: entry, loader: 'js', resolveDir: process.cwd() }, bundle: true, minify: true, format: 'esm', write: false, logLevel: 'silent' });
  const code = r.outputFiles[0].text;
  const bytes = gzipSync(code, { level: 9 }).length;
  console.log(`createClient + websocket: ${bytes} bytes gzip (budget 4864)`);
  for (const marker of ['lastEventIdQueryParameter', 'event-stream', 'xhrLimit', 'pushline:transport:', 'BroadcastChannel']) {
    assert.ok(!code.includes(marker), `the bundle carries ${JSON.stringify(marker)}: something is not tree-shaken`);
  }
  assert.ok(bytes <= 4864, `${bytes} bytes gzip exceeds the budget of 4864`);
});

