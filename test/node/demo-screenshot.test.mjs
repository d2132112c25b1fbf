// The live demo in Chromium (puppeteer-core): scripts/demo-screenshot.mjs clicks publish, blocks
// WebSocket, drops every connection, checks the fallback and the resume on the page, and saves
// test-output/demo.png. Needs `npm run build` (npm test builds first). Run: node --test test/node/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../scripts/demo-screenshot.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// acorn comes with es-check (a dev dependency).
const acorn = createRequire(createRequire(import.meta.url).resolve('es-check'))('acorn');

test('demo/demo.js is ES5, like the legacy pages it stands for', () => {
  assert.doesNotThrow(() => acorn.parse(readFileSync(path.join(ROOT, 'demo', 'demo.js'), 'utf8'), { ecmaVersion: 5 }));
});

test('demo page: fallback and resume on screen, screenshot saved', { timeout: 90000 }, async () => {
  const out = path.join(ROOT, 'test-output', 'demo.png');
  const { snapshot } = await main({ out });
  assert.equal(snapshot.transport, 'sse');
  assert.equal(snapshot.state, 'open');
  assert.equal(snapshot.count, 5);
  assert.ok(snapshot.fallbacks >= 1, 'a fallback was shown');
  assert.ok(statSync(out).size > 10000, 'the screenshot has content');
});
