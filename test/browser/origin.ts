// The reference server's origin. web-test-runner.config.mjs serves this module with the real
// value for the test run; the placeholder only gives the type.
export const ORIGIN: string = 'http://127.0.0.1:0';
