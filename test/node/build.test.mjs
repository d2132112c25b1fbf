// `npm run build` (scripts/build.mjs) while something serves dist/, as `npm start` does when an
// example rebuilds beside it: every request gets its file, from the old build or the new one,
// never a 404; a second build waits for the first; and the output is the same as before (the
// build is reproducible). It runs the real build (~40 s on two cores). Build first (npm test
// does); run: node --test test/node/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '../../dist/server/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const LOCK = path.join(ROOT, '.build-lock');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every file under `dir` with the SHA-256 of its content, by relative path. */
function contents(dir, prefix = '') {
  const out = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) Object.assign(out, contents(path.join(dir, entry.name), rel + '/'));
    else out[rel] = createHash('sha256').update(readFileSync(path.join(dir, entry.name))).digest('hex');
  }
  return out;
}

function status(url) {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
      .on('error', (err) => resolve(err.code));
  });
}

/** Takes the build lock as another build would, once no real build holds it. */
async function holdLock(pid) {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(path.join(LOCK, 'pid'), String(pid));
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      await sleep(500); // someone's build is running
    }
  }
}

test('a rebuild while dist/ is served: no request misses its file; a second build waits for the first; the same output', { timeout: 300000 }, async (t) => {
  const before = contents(DIST);
  // What npm start serves: the demo at the root, the bundles there too, all of dist/ under /dist/.
  const srv = await createServer({ port: 0, host: '127.0.0.1', static: path.join(ROOT, 'demo'), mounts: { '/dist': DIST }, bundles: true });
  t.after(() => srv.close());
  const urls = ['/pushline.min.js', '/pushline.mjs', '/dist/pushline.full.min.js', '/dist/server/index.js', '/dist/pushline.d.ts'].map((p) => srv.url + p);
  for (const url of urls) assert.equal(await status(url), 200, url);

  // A live process holds the lock, as a build in progress would.
  const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => holder.kill());
  await holdLock(holder.pid);
  const build = spawn(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => build.kill());
  let output = '';
  build.stdout.on('data', (d) => (output += d));
  build.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => build.on('exit', resolve));

  for (const end = Date.now() + 10000; !output.includes('waiting'); await sleep(20)) {
    assert.ok(Date.now() < end, `the build did not say it waits: ${output}`);
  }
  assert.match(output, new RegExp(`^build: another build is running \\(pid ${holder.pid}\\); waiting for it to finish$`, 'm'));
  await sleep(1000);
  assert.equal(existsSync(path.join(ROOT, '.dist-staging')), false, 'the waiting build started anyway');
  // The holder dies without releasing the lock: the build takes it over.
  holder.kill();

  const answers = new Map();
  let done = false;
  exited.then(() => (done = true));
  while (!done) {
    for (const url of urls) {
      const code = await status(url);
      answers.set(code, (answers.get(code) ?? 0) + 1);
    }
    await sleep(10);
  }
  assert.equal(await exited, 0, output);
  assert.deepEqual([...answers.keys()], [200], `answers during the build: ${JSON.stringify([...answers])}`);
  assert.ok(answers.get(200) > 100, `only ${answers.get(200)} requests during the build`);
  assert.equal(existsSync(LOCK), false, 'the lock is released');
  assert.equal(existsSync(path.join(ROOT, '.dist-staging')), false, 'the staging folder is gone');
  assert.deepEqual(contents(DIST), before, 'dist/ differs from the build before this one: the build is not reproducible, or the sources changed since the last `npm run build`');
});
