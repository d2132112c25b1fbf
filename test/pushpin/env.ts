// pushpin and the origin of the test run. web-test-runner.pushpin.config.mjs serves this module
// with the real values; the placeholder only gives the type.
export const PUSHPIN: {
  /** Where clients connect: pushpin, through the proxy that cuts connections. */
  url: string;
  /** pushpin itself, bypassing the proxy. */
  direct: string;
  /** Messages the origin keeps for resume. */
  history: number;
} = { url: 'http://127.0.0.1:0', direct: 'http://127.0.0.1:0', history: 0 };
