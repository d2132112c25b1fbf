// npm run build: type-check + compile with tsc, bundle with rollup, verify the ES5 bundle's syntax.
//
// Everything is built into a staging folder beside dist/ and moved in at the end, file by file:
// each rename replaces one file at once, so a server that serves dist/ (npm start, the examples)
// never finds a file of the build missing: it serves the old build until the new one is
// complete, then the new one (for the millisecond of the move, some files of each). A failed
// build leaves dist/ as it was. The staging folder sits at the same depth as dist/, so the
// source maps' relative paths (../src/…) come out the same. One build at a time: a second one
// waits for the first.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIST = 'dist';
const STAGING = '.dist-staging';
const LOCK = '.build-lock';
/** A lock folder this old without a pid file in it was left by a build that died at its start. */
const ORPHAN_LOCK_MS = 10000;
const WAIT_STEP_MS = 500;

const run = (cmd, ...args) => execFileSync(cmd, args, { stdio: 'inherit', env: { ...process.env, PUSHLINE_DIST: STAGING } });
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM'; // someone else's process, but alive
  }
}

/** Takes the build lock, waiting while a live build holds it; a dead build's lock is taken over. */
function lock() {
  let told = false;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(`${LOCK}/pid`, String(process.pid));
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let holder = null;
    try {
      holder = Number(readFileSync(`${LOCK}/pid`, 'utf8'));
    } catch {
      // Not written yet (or the holder just released the lock).
    }
    const orphan = holder === null && Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? 0) > ORPHAN_LOCK_MS;
    if (orphan || (holder !== null && !alive(holder))) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (!told) console.error(`build: another build is running${holder ? ` (pid ${holder})` : ''}; waiting for it to finish`);
    told = true;
    sleep(WAIT_STEP_MS);
  }
}

/**
 * Moves every file of the folder `from` into the folder `to` (a rename replaces a file at once,
 * never leaving it missing), then removes from `to` what `from` did not have.
 */
function moveInto(from, to) {
  mkdirSync(to, { recursive: true });
  const entries = readdirSync(from, { withFileTypes: true });
  // New names first (rollup's content-hashed chunks): the entry files that import them come after.
  entries.sort((a, b) => Number(existsSync(join(to, a.name))) - Number(existsSync(join(to, b.name))));
  for (const entry of entries) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    const existing = lstatSync(target, { throwIfNoEntry: false });
    if (existing && existing.isDirectory() !== entry.isDirectory()) rmSync(target, { recursive: true, force: true });
    if (entry.isDirectory()) moveInto(source, target);
    else renameSync(source, target);
  }
  const built = new Set(entries.map((entry) => entry.name));
  for (const name of readdirSync(to)) {
    if (!built.has(name)) rmSync(join(to, name), { recursive: true, force: true });
  }
}

lock();
try {
  rmSync('build', { recursive: true, force: true });
  rmSync(STAGING, { recursive: true, force: true });
  run('npx', 'tsc', '-p', 'tsconfig.json');
  run('npx', 'tsc', '-p', 'tsconfig.server.json', '--outDir', `${STAGING}/server`);
  // rollup.config.mjs writes to dist/; this wrapper of it writes to $PUSHLINE_DIST instead.
  run('npx', 'rollup', '-c', 'scripts/rollup-staging.config.mjs', '--silent');
  // Syntax only: the script-tag bundle must parse in ES5 engines (runtime built-ins are covered by
  // the browser test that deletes Promise, Symbol, Map, Set, TextDecoder... before loading it).
  run('npx', 'es-check', 'es5', ...['pushline.js', 'pushline.min.js', 'pushline.full.js', 'pushline.full.min.js'].map((f) => `${STAGING}/${f}`));
  run('npx', 'es-check', 'es2022', `${STAGING}/pushline.mjs`, '--module');
  if (existsSync(DIST)) moveInto(STAGING, DIST);
  else renameSync(STAGING, DIST);
  rmSync(STAGING, { recursive: true, force: true });
} finally {
  rmSync(LOCK, { recursive: true, force: true });
}
