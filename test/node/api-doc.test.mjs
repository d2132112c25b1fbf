// docs/API.md is kept by hand; this keeps it from drifting from the build. It compares the
// document with the runtime exports of dist/pushline.mjs and the declarations in
// dist/pushline.d.ts, and its reference-server part with dist/server/index.d.ts and the flags
// that `pushline-server --help` lists. Needs `npm run build` (npm test builds first). Run: node --test test/node/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as api from '../../dist/pushline.mjs';

const doc = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');
const dts = readFileSync(new URL('../../dist/pushline.d.ts', import.meta.url), 'utf8');
const serverDts = readFileSync(new URL('../../dist/server/index.d.ts', import.meta.url), 'utf8');

// ---- reading the markdown ------------------------------------------------------------------

/** The text of a `## title` section, up to the next `## ` heading. */
function section(title) {
  const m = new RegExp(`^## ${title}[ \\t]*$`, 'm').exec(doc);
  assert.ok(m, `docs/API.md has no "## ${title}" section`);
  const rest = doc.slice(m.index + m[0].length);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** `### name` headings of a piece of markdown. */
function headings(md) {
  return [...md.matchAll(/^### (.+?)[ \t]*$/gm)].map((m) => m[1]);
}

/** The text under one `### name` heading, up to the next heading. */
function subsection(md, name) {
  const m = new RegExp(`^### ${name}[ \\t]*$`, 'm').exec(md);
  assert.ok(m, `docs/API.md has no "### ${name}" heading`);
  const rest = md.slice(m.index + m[0].length);
  const end = rest.search(/^#{2,3} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The keys in the first column of the first table of a piece of markdown: | `key` | … */
function tableKeys(md) {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  assert.ok(start >= 0, 'no table found');
  const keys = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const m = /^\|\s*`([^`]+)`/.exec(line);
    assert.ok(m, `table row without a \`key\` in its first cell: ${line}`);
    keys.push(m[1]);
  }
  return keys;
}

const sorted = (list) => [...list].sort();

// ---- reading the declarations ----------------------------------------------------------------

/** The `{ … }` body of `interface Name` or `declare class Name` in a .d.ts (by default dist/pushline.d.ts). */
function body(kind, name, source = dts) {
  // Type parameters may hold braces (`Client<Events extends EventMap = {}>`): skip them whole.
  const m = new RegExp(`(?:^|\\n)(?:export )?(?:declare )?${kind} ${name}\\b(?:<(?:[^<>]|<[^<>]*>)*>)?[^{]*\\{`).exec(source);
  assert.ok(m, `the .d.ts declares no ${kind} ${name}`);
  let depth = 1;
  let i = m.index + m[0].length;
  const from = i;
  for (; depth; i++) {
    if (source[i] === '{') depth++;
    else if (source[i] === '}') depth--;
  }
  return { text: source.slice(from, i - 1), header: m[0] };
}

/** Member names of an interface or class body: comments, nested types and parameters removed. */
function members(text, { includePrivate = false } = {}) {
  let t = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  for (let prev = ''; prev !== t; ) [prev, t] = [t, t.replace(/\{[^{}]*\}|\([^()]*\)|<[^<>]*>/g, '')];
  const names = [];
  for (const line of t.split(/[;\n]/)) {
    if (!includePrivate && /^\s*(private|protected)\b/.test(line)) continue;
    const m = /^\s*(?:(?:static|readonly|get|set|public|abstract|declare)\s+)*([A-Za-z_$][\w$]*)\s*(?:\?|:|=|$)/.exec(line);
    if (m) names.push(m[1]);
  }
  return [...new Set(names)];
}

function interfaceKeys(name, source = dts) {
  return members(body('interface', name, source).text);
}

/** Public members of a class, with those of a base class declared in the same file. */
function classMembers(name) {
  const { text, header } = body('class', name);
  const own = members(text);
  const base = /extends (\w+)/.exec(header);
  return base && new RegExp(`declare class ${base[1]}\\b`).test(dts) ? [...new Set([...own, ...classMembers(base[1])])] : own;
}

/** The string literals of `type Name = 'a' | 'b' | Other`, following named members. */
function unionLiterals(name) {
  const m = new RegExp(`type ${name} = ([^;]+);`).exec(dts);
  assert.ok(m, `dist/pushline.d.ts declares no type ${name}`);
  const out = [];
  for (const part of m[1].split('|').map((s) => s.trim()).filter(Boolean)) {
    if (/^'.*'$/.test(part)) out.push(part.slice(1, -1));
    else out.push(...unionLiterals(part));
  }
  return out;
}

/** Names in the final `export type { … }` statement of the bundled .d.ts. */
function exportedTypes() {
  const m = /^export type \{([^}]*)\};?$/m.exec(dts);
  assert.ok(m, 'dist/pushline.d.ts has no `export type { … }` statement');
  return m[1].split(',').map((s) => s.trim().split(/\s+as\s+/).pop()).filter(Boolean);
}

// ---- the checks ---------------------------------------------------------------------------------

test('every runtime export of dist/pushline.mjs has a "### name" heading under Exports, and only those', () => {
  const runtime = Object.keys(api).filter((k) => k !== 'default');
  const documented = headings(section('Exports'));
  assert.deepEqual(runtime.filter((k) => !documented.includes(k)), [], 'exports missing from docs/API.md');
  assert.deepEqual(documented.filter((k) => !runtime.includes(k)), [], 'headings under Exports that are not exports');
  assert.equal(new Set(documented).size, documented.length, 'a heading appears twice');
});

test('every key of ClientOptions (dist/pushline.d.ts) is in the options table, and only those', () => {
  const keys = interfaceKeys('ClientOptions');
  assert.ok(keys.includes('transports') && keys.length >= 10, `parsed ClientOptions keys: ${keys}`);
  assert.deepEqual(sorted(tableKeys(section('Options'))), sorted(keys));
});

test('every key of ReconnectOptions and EventSourceInit is in its table', () => {
  assert.deepEqual(sorted(tableKeys(subsection(section('Options'), 'reconnect'))), sorted(interfaceKeys('ReconnectOptions')));
  assert.deepEqual(sorted(tableKeys(subsection(section('Types'), 'EventSourceInit'))), sorted(interfaceKeys('EventSourceInit')));
});

test('every event of ClientEvents is in the events table, and only those', () => {
  assert.deepEqual(sorted(tableKeys(section('Events'))), sorted(interfaceKeys('ClientEvents')));
});

test('every error code (ErrorCode) is in the errors table, and only those', () => {
  assert.deepEqual(sorted(tableKeys(section('Errors'))), sorted(unionLiterals('ErrorCode')));
});

test('every exported type has a "### name" heading under Types, and only those', () => {
  const types = exportedTypes();
  const documented = headings(section('Types'));
  assert.deepEqual(types.filter((k) => !documented.includes(k)), [], 'types missing from docs/API.md');
  assert.deepEqual(documented.filter((k) => !types.includes(k)), [], 'headings under Types that are not exported types');
});

test('the public members of Client and PushlineEventSource are named in their sections', () => {
  const exportsSection = section('Exports');
  for (const cls of ['Client', 'PushlineEventSource']) {
    const text = subsection(exportsSection, cls);
    const names = classMembers(cls);
    assert.ok(names.includes('constructor') && names.includes('close'), `parsed ${cls} members: ${names}`);
    const missing = names.filter((n) => !(n === 'constructor' ? text.includes('new ' + cls + '(') : new RegExp('`' + n + '\\b').test(text) || new RegExp(`\`[^\`]*\\b${n}\\b[^\`]*\``).test(text)));
    assert.deepEqual(missing, [], `${cls} members not documented in its section`);
  }
});

test('Reference server: its tables list exactly the keys of ServerOptions and PushlineServer (dist/server/index.d.ts)', () => {
  const server = section('Reference server');
  const options = interfaceKeys('ServerOptions', serverDts);
  assert.ok(options.includes('path') && options.includes('bundles') && options.length >= 15, `parsed ServerOptions keys: ${options}`);
  assert.deepEqual(sorted(tableKeys(subsection(server, 'createServer'))), sorted(options));
  const memberNames = interfaceKeys('PushlineServer', serverDts);
  assert.ok(memberNames.includes('endpoint') && memberNames.includes('close'), `parsed PushlineServer members: ${memberNames}`);
  assert.deepEqual(sorted(tableKeys(subsection(server, 'PushlineServer'))), sorted(memberNames));
});

test('Reference server: the pushline-server table lists exactly the flags of --help', () => {
  const cli = fileURLToPath(new URL('../../dist/server/cli.js', import.meta.url));
  const help = execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
  const flags = [...help.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]);
  assert.ok(flags.includes('--path') && flags.includes('--help'), `parsed flags: ${flags}`);
  assert.deepEqual(sorted(tableKeys(subsection(section('Reference server'), 'pushline-server'))), sorted(flags));
});
