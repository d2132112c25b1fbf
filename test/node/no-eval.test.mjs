// The browser bundles never evaluate strings as code nor write HTML strings into the DOM, so that
// they run under a strict Content-Security-Policy (no 'unsafe-eval') and Trusted Types.
// Needs the bundles: npm run build. Run: node --test test/node/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const BUNDLES = ['pushline.js', 'pushline.min.js', 'pushline.mjs'];

/** What a CSP without 'unsafe-eval', or Trusted Types, forbids or would make throw. */
const FORBIDDEN = [
  ['eval', /\beval\b/],
  ['new Function / Function()', /\bFunction\s*\(/],
  ['innerHTML', /\binnerHTML\b/],
  ['outerHTML', /\bouterHTML\b/],
  ['insertAdjacentHTML', /\binsertAdjacentHTML\b/],
  ['createContextualFragment', /\bcreateContextualFragment\b/],
  ['document.write', /\bdocument\s*\.\s*write(ln)?\b/],
  ['document["write"]', /\bdocument\s*\[\s*['"`]write(ln)?['"`]\s*\]/],
  ['string timer', /\bset(Timeout|Interval)\s*\(\s*['"`]/],
  ['javascript: URL', /javascript:/i],
];

/** The code without its comments (esbuild re-prints it), so that a comment naming a sink does not count. */
function code(text, format) {
  return transformSync(text, { loader: 'js', format, legalComments: 'none', logLevel: 'silent' }).code;
}

function findings(source) {
  const out = [];
  for (const [name, re] of FORBIDDEN) {
    const m = re.exec(source);
    if (m) out.push(name + ': …' + source.slice(Math.max(0, m.index - 60), m.index + 60).replace(/\s+/g, ' ') + '…');
  }
  return out;
}

for (const file of BUNDLES) {
  test(`dist/${file} has no eval, new Function, innerHTML or document.write`, () => {
    const path = DIST + file;
    assert.ok(existsSync(path), `${path} is missing: run npm run build first`);
    const text = readFileSync(path, 'utf8');
    assert.deepEqual(findings(code(text, file.endsWith('.mjs') ? 'esm' : undefined)), []);
  });
}

test('the check itself finds each forbidden form, and ignores comments', () => {
  const samples = [
    'eval("1")',
    '(0, eval)(s)',
    'window.eval(s)',
    'new Function("a", "return a")',
    'Function("return this")()',
    'el.innerHTML = s',
    'el.outerHTML = s',
    'el.insertAdjacentHTML("beforeend", s)',
    'range.createContextualFragment(s)',
    'document.write(s)',
    'document.writeln(s)',
    'document["write"](s)',
    'setTimeout("go()", 1)',
    'setInterval(`go()`, 1)',
    'a.href = "javascript:void 0"',
  ];
  for (const s of samples) assert.notDeepEqual(findings(code(s)), [], s);
  assert.deepEqual(findings(code('/* never innerHTML, eval or document.write */ // nor new Function\nvar isFunction = 1; evaluate(); x.writeText();')), []);
});
