/**
 * The client under a strict Content-Security-Policy (`script-src 'self'; require-trusted-types-for
 * 'script'`): no inline script, no eval or new Function, and, where the engine enforces Trusted
 * Types, no string into a DOM sink. The page (test/pages/csp.html, served with the header by
 * test/fixtures/csp.mjs at /csp-page.html) loads dist/pushline.min.js and test/pages/csp-run.js,
 * connects to the reference server over long polling and streaming, and reports to this page.
 */
import { expect } from 'chai';
import { ORIGIN } from './helpers.js';

const POLICY = "script-src 'self'; require-trusted-types-for 'script'";

interface Violation {
  directive: string;
  effectiveDirective: string;
  blockedURI: string;
  sample: string;
  sourceFile: string;
  line: number;
}
interface Report {
  type: string;
  payload: Record<string, unknown>;
}

/** Loads the page in an iframe; resolves with everything it reported, once it says 'done'. */
function load(query: string, ms = 30000): Promise<{ done: Record<string, unknown>; reports: Report[] }> {
  return new Promise((resolve, reject) => {
    const frame = document.createElement('iframe');
    const reports: Report[] = [];
    const cleanup = () => {
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      frame.remove();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('the CSP page did not finish; it reported ' + JSON.stringify(reports)));
    }, ms);
    function onMessage(e: MessageEvent) {
      if (e.source !== frame.contentWindow || !e.data || e.data.source !== 'csp') return;
      reports.push({ type: e.data.type, payload: e.data.payload });
      if (e.data.type === 'done') {
        cleanup();
        resolve({ done: e.data.payload, reports });
      }
    }
    window.addEventListener('message', onMessage);
    frame.src = '/csp-page.html?' + query;
    document.body.appendChild(frame);
  });
}

describe('strict Content-Security-Policy', function () {
  this.timeout(60000);

  before(async () => {
    // A service worker left by another test file (msw, scope '/') would control the frame and pass
    // its requests through itself; the page must talk to the network directly.
    if (navigator.serviceWorker) for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
  });

  it('the page is served with the policy and holds no inline script', async () => {
    const res = await fetch('/csp-page.html');
    expect(res.headers.get('Content-Security-Policy')).to.equal(POLICY);
    const html = await res.text();
    const scripts = html.match(/<script\b[^>]*>/gi) ?? [];
    expect(scripts).to.have.length(2);
    for (const tag of scripts) expect(tag).to.match(/\ssrc="\/[^"]+"/);
    expect(html).to.not.match(/\son[a-z]+\s*=/i); // no inline event handler attributes
  });

  it('control: the policy is enforced in this engine (eval and new Function are blocked and reported)', async () => {
    const { done } = await load('probe=1');
    expect(done.eval, 'eval').to.equal('EvalError');
    expect(done.newFunction, 'new Function').to.equal('EvalError');
    const violations = done.violations as Violation[];
    const directive = (v: Violation) => v.effectiveDirective || v.directive;
    // Reported under script-src, or (Chromium) first under Trusted Types, which checks eval's string.
    expect(violations.filter((v) => /script-src|require-trusted-types-for/.test(directive(v))).length, JSON.stringify(violations)).to.be.at.least(1);
    if (done.trustedTypes) {
      // Trusted Types enforced: a string into innerHTML throws and is reported.
      expect(done.innerHTML).to.equal('TypeError');
      expect(violations.some((v) => directive(v) === 'require-trusted-types-for'), JSON.stringify(violations)).to.equal(true);
    } else {
      // This engine has no Trusted Types: the directive is ignored (nothing to assert beyond eval).
      expect(done.innerHTML).to.equal('ran');
    }
  });

  it('long polling and streaming deliver messages with zero violations and no page error', async () => {
    const { done, reports } = await load('server=' + encodeURIComponent(ORIGIN));
    expect(reports[0]).to.deep.include({ type: 'loaded' });
    expect(reports[0].payload.Pushline).to.equal('object');
    const results = done.results as Record<string, { events: string[]; data: string | null }>;
    expect(results.longpoll.events, 'longpoll').to.deep.equal(['open:longpoll', 'message', 'done']);
    expect(results.streaming.events, 'streaming').to.deep.equal(['open:streaming', 'message', 'done']);
    expect(results.longpoll.data).to.match(/^csp longpoll /);
    expect(results.streaming.data).to.match(/^csp streaming /);
    expect(done.violations, 'CSP violations').to.deep.equal([]);
    expect(reports.filter((r) => r.type === 'violation' || r.type === 'page-error')).to.deep.equal([]);
  });
});
