// Runs one @web/test-runner suite against third-party servers once per engine
// (BROWSERS=chromium,firefox,webkit; default all three), one engine at a time, under xvfb-run
// when there is no display (WebKitGTK needs one). Type-checks the suite's tests first. The wtr
// config starts and stops the servers; its totals reporter prints '<label> <engine>: N passed,
// N failed, N skipped', which is summed here into '<label>: N passed, N failed, N skipped'.
import { spawn, spawnSync } from 'node:child_process';

/**
 * `label`: the suite's name in the totals lines; `config`: its wtr config file; `tsconfig`: the
 * tests' tsconfig; `missing`: a function returning an install hint when a server is missing.
 */
export async function runSuite({ label, config, tsconfig, missing }) {
  const problem = missing();
  if (problem) {
    console.error(`test:${label}: ${problem}`);
    process.exit(1);
  }

  const tsc = spawnSync('npx', ['tsc', '-p', tsconfig], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);

  const engines = (process.env.BROWSERS ?? 'chromium,firefox,webkit').split(',').map((s) => s.trim()).filter(Boolean);
  const extra = process.argv.slice(2);
  const totals = { passed: 0, failed: 0, skipped: 0 };
  let rc = 0;
  let child = null;
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      // wtr stops the servers in its own signal handler (the suite's wtr config).
      if (child) child.kill(sig);
      else process.exit(130);
    });
  }

  for (const engine of engines) {
    const args = ['wtr', '--config', config, '--static-logging', ...extra];
    const [cmd, argv] = process.env.DISPLAY ? ['npx', args] : ['xvfb-run', ['-a', 'npx', ...args]];
    const code = await new Promise((resolve) => {
      child = spawn(cmd, argv, { env: { ...process.env, BROWSERS: engine }, stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.on('data', (buf) => {
        process.stdout.write(buf);
        const m = new RegExp(`^${label} ${engine}: (\\d+) passed, (\\d+) failed, (\\d+) skipped`, 'm').exec(buf.toString());
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
  console.log(`\n${label}: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exit(rc);
}
