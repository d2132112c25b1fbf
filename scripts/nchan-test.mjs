// npm run test:nchan: the nchan profile's browser tests (test/nchan/) against real nginx+nchan
// and redis-server, once per engine (BROWSERS=chromium,firefox,webkit; default all three), one
// engine at a time, under xvfb-run when there is no display (WebKitGTK needs one). Type-checks
// test/nchan first. web-test-runner.nchan.config.mjs starts and stops the servers.
// Prints 'nchan: N passed, N failed, N skipped' summed over the engines.
import { spawn, spawnSync } from 'node:child_process';
import { missing } from './nchan-servers.mjs';

const problem = missing();
if (problem) {
  console.error(`test:nchan: ${problem}`);
  process.exit(1);
}

const tsc = spawnSync('npx', ['tsc', '-p', 'test/nchan/tsconfig.json'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const engines = (process.env.BROWSERS ?? 'chromium,firefox,webkit').split(',').map((s) => s.trim()).filter(Boolean);
const extra = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
let rc = 0;
let child = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    // wtr stops the nchan servers in its own signal handler (web-test-runner.nchan.config.mjs).
    if (child) child.kill(sig);
    else process.exit(130);
  });
}

for (const engine of engines) {
  const args = ['wtr', '--config', 'web-test-runner.nchan.config.mjs', '--static-logging', ...extra];
  const [cmd, argv] = process.env.DISPLAY ? ['npx', args] : ['xvfb-run', ['-a', 'npx', ...args]];
  const code = await new Promise((resolve) => {
    child = spawn(cmd, argv, { env: { ...process.env, BROWSERS: engine }, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (buf) => {
      process.stdout.write(buf);
      const m = new RegExp(`^nchan ${engine}: (\\d+) passed, (\\d+) failed, (\\d+) skipped`, 'm').exec(buf.toString());
      if (m) {
        totals.passed += +m[1];
        totals.failed += +m[2];
        totals.skipped += +m[3];
      }
    });
    child.on('close', resolve);
  });
  child = null;
  if (code !== 0) rc = 1;
}
console.log(`\nnchan: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(rc);
