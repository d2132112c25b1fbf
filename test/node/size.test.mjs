// Size budget of the script-tag bundle (bytes are deterministic, so this is a test; timings are not).
// Issue target: 6,144 bytes gzip for the full bundle. Not met yet: the full bundle is ~7.9 KiB
// gzip (client core ~4.5 KiB, EventSource polyfill ~1.4 KiB on top; see BENCHMARKS.md). The
// enforced budget below guards against growth until the size work lands; lower it, never raise it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 8192;
const TARGET = 6144;

test(`dist/pushline.min.js stays within ${BUDGET} bytes gzip (target ${TARGET})`, () => {
  const bytes = gzipSync(readFileSync(new URL('../../dist/pushline.min.js', import.meta.url)), { level: 9 }).length;
  console.log(`pushline.min.js: ${bytes} bytes gzip (budget ${BUDGET}, target ${TARGET})`);
  assert.ok(bytes <= BUDGET, `${bytes} bytes gzip exceeds the budget of ${BUDGET}`);
});
