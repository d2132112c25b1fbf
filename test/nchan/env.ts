// The nchan servers of the test run. web-test-runner.nchan.config.mjs serves this module with the
// real URLs; the placeholder only gives the type.
export interface NchanNode {
  /** Base URL of the node for subscribers (node m: through the drop proxy). */
  url: string;
  /** Node m only: the node itself, bypassing the proxy. */
  direct?: string;
}
export const NCHAN: { m: NchanNode; a: NchanNode; b: NchanNode } = {
  m: { url: 'http://127.0.0.1:0' },
  a: { url: 'http://127.0.0.1:0' },
  b: { url: 'http://127.0.0.1:0' },
};
