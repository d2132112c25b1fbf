// Runs the browser tests once per engine (BROWSERS=chromium,firefox,webkit; default all three),
// each with its own reference server, under xvfb-run when there is no display (WebKitGTK needs one).
// Prints a final 'N passed, N failed, N skipped' line summed over the engines.
import { spawn } from 'node:child_process';

const engines = (process.env.BROWSERS ?? 'chromium,firefox,webkit').split(',').map((s) => s.trim()).filter(Boolean);
const extra = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
let rc = 0;

for (const engine of engines) {
  const args = ['wtr', '--static-logging', ...extra];
  const [cmd, argv] = process.env.DISPLAY ? ['npx', args] : ['xvfb-run', ['-a', 'npx', ...args]];
  const code = await new Promise((resolve) => {
    const child = spawn(cmd, argv, { env: { ...process.env, BROWSERS: engine }, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (buf) => {
      process.stdout.write(buf);
      const m = new RegExp(`^${engine}: (\\d+) passed, (\\d+) failed, (\\d+) skipped`, 'm').exec(buf.toString());
      if (m) {
        totals.passed += +m[1];
        totals.failed += +m[2];
        totals.skipped += +m[3];
      }
    });
    child.on('close', resolve);
  });
  if (code !== 0) rc = 1;
}
console.log(`\nbrowsers: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(rc);
