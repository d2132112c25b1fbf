// npm run test:nchan: the nchan profile's browser tests (test/nchan/) against real nginx+nchan
// and redis-server, once per engine (BROWSERS=chromium,firefox,webkit; default all three).
// web-test-runner.nchan.config.mjs starts and stops the servers.
// Prints 'nchan: N passed, N failed, N skipped' summed over the engines.
import { missing } from './nchan-servers.mjs';
import { runSuite } from './suite-runner.mjs';

await runSuite({ label: 'nchan', config: 'web-test-runner.nchan.config.mjs', tsconfig: 'test/nchan/tsconfig.json', missing });
