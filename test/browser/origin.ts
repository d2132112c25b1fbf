// The origins of the servers of the test run. web-test-runner.config.mjs serves this module with
// the real values; the placeholders only give the types.
/** The reference server. */
export const ORIGIN: string = 'http://127.0.0.1:0';
/** A second reference server, its endpoints mounted at /realtime and the bundles at its root. */
export const MOUNTED: string = 'http://127.0.0.1:0';
/** A plain SSE server written for the tests (test/fixtures/plain-sse-servers.mjs). */
export const PLAIN_SSE: string = 'http://127.0.0.1:0';
/** A plain SSE server built on better-sse from npm. */
export const BETTER_SSE: string = 'http://127.0.0.1:0';
