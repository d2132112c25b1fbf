// npm run test:pushpin: Pushline through a real pushpin (test/pushpin/), the origin of
// examples/pushpin/ behind it, once per engine (BROWSERS=chromium,firefox,webkit; default all
// three). web-test-runner.pushpin.config.mjs starts and stops pushpin and the origin.
// Prints 'pushpin: N passed, N failed, N skipped' summed over the engines.
import { missing } from './pushpin-servers.mjs';
import { runSuite } from './suite-runner.mjs';

await runSuite({ label: 'pushpin', config: 'web-test-runner.pushpin.config.mjs', tsconfig: 'test/pushpin/tsconfig.json', missing });
