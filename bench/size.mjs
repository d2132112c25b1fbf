// Section 1, size: Pushline's bundles and the peers', each bundled by esbuild the same way
// (bundle + minify, format iife, platform browser) from an entry that imports what an application
// would, then measured raw, gzip (zlib level 9) and brotli (quality 11).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { ROOT, int, kib, table } from './lib.mjs';

const require = (await import('node:module')).createRequire(import.meta.url);
const version = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

/** What each peer carries, so that a small bundle is read for what it does. */
export const PEERS = [
  { name: 'socket.io-client', entry: "export { io } from 'socket.io-client';", covers: 'WebSocket + XHR long polling (+ WebTransport), rooms/acks; own server protocol' },
  { name: 'engine.io-client', entry: "export { Socket } from 'engine.io-client';", covers: "socket.io's transport layer alone: WebSocket + long polling" },
  { name: 'sockjs-client', entry: "export { default } from 'sockjs-client';", covers: 'WebSocket, xhr-streaming, EventSource, iframe/htmlfile, xhr/jsonp polling' },
  { name: '@microsoft/signalr', entry: "export { HubConnectionBuilder } from '@microsoft/signalr';", covers: 'WebSocket, SSE, long polling; hub RPC protocol' },
  { name: 'centrifuge', entry: "export { Centrifuge } from 'centrifuge';", covers: 'WebSocket, HTTP-streaming, SSE, WebTransport; channels, recovery' },
  { name: 'pusher-js', entry: "export { default } from 'pusher-js';", covers: 'WebSocket + HTTP streaming/polling fallbacks; channels' },
  { name: 'event-source-polyfill', entry: "export { EventSourcePolyfill } from 'event-source-polyfill';", covers: 'EventSource polyfill only (XHR)' },
  { name: 'reconnecting-websocket', entry: "export { default } from 'reconnecting-websocket';", covers: 'WebSocket only, reconnect with backoff; no fallback, no resume' },
];

const TRANSPORTS = ['websocket', 'sse', 'streaming', 'longpoll'];

export function measure(code) {
  const buf = Buffer.isBuffer(code) ? code : Buffer.from(code);
  return {
    min: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      },
    }).length,
  };
}

/** The one bundling recipe used for every row but the rollup-built script tag. */
export const ESBUILD_OPTIONS = {
  bundle: true,
  minify: true,
  format: 'iife',
  globalName: 'Bench',
  platform: 'browser',
  // esbuild's default target (esnext): each package keeps the syntax it ships.
  define: { global: 'globalThis' }, // sockjs-client reads `global`, as webpack 4 used to provide
  legalComments: 'none',
  logLevel: 'silent',
  write: false,
};

async function bundle(contents, metafile = false) {
  const r = await esbuild.build({ ...ESBUILD_OPTIONS, metafile, stdin: { contents, resolveDir: ROOT, loader: 'js', sourcefile: 'entry.js' } });
  return metafile ? r : r.outputFiles[0].contents;
}

/**
 * Where the bytes go: the same esbuild recipe on tsc's per-module output (build/esm), so the
 * metafile can attribute the minified bytes to source modules; gzip is per module alone (an
 * upper bound: modules compress better together).
 */
async function breakdown(snap, entry) {
  const r = await bundle(entry, true);
  const out = Object.values(r.metafile.outputs)[0];
  const rows = Object.entries(out.inputs)
    .map(([file, v]) => ({ module: file.replace(/^.*build\/esm\//, 'src/').replace(/\.js$/, '.ts'), min: v.bytesInOutput }))
    .filter((x) => x.min > 0)
    .sort((a, b) => b.min - a.min);
  return { total: out.bytes, rows };
}

/**
 * What each part of the core script tag costs: the tag built again from its entry
 * (build/esm/browser.js) by the rollup + Babel + terser recipe of rollup.config.mjs, with one part
 * replaced by an empty module. Measured without banner and source-map comment.
 */
async function partsCost(snap) {
  const { rollup } = await import('rollup');
  const { babel } = await import('@rollup/plugin-babel');
  const terser = (await import('@rollup/plugin-terser')).default;
  const { BABEL_OPTIONS, TERSER_OPTIONS } = await import('../rollup.config.mjs');
  const used = new Set();
  const stub = (file, code) => ({
    name: 'stub ' + file,
    file,
    load(id) {
      if (!id.replace(/\\/g, '/').endsWith('/build/esm/' + file)) return null;
      used.add(file);
      return code;
    },
  });
  const polyfill = stub('eventsource.js', 'export const PushlineEventSource = void 0;\nexport const polyfill = void 0;');
  const declarative = stub('declare.js', 'export const declared = () => null;');
  const variants = [
    ['the core tag, as built here', []],
    ['without the EventSource polyfill (and its SSE parser)', [polyfill]],
    ['without the data-* set-up', [declarative]],
    ['without both: the client core and four transports', [polyfill, declarative]],
  ];
  const rows = [];
  for (const [name, stubs] of variants) {
    used.clear();
    const b = await rollup({ input: join(snap.esm, 'browser.js'), plugins: [...stubs, babel(BABEL_OPTIONS)], onwarn: () => {} });
    // A renamed module would leave its stub unused and the part costing nothing: say so instead.
    for (const p of stubs) if (!used.has(p.file)) throw new Error(`size: ${p.file} is no longer in the script tag; update partsCost()`);
    const { output } = await b.generate({ format: 'iife', name: 'Pushline', plugins: [terser(TERSER_OPTIONS)] });
    await b.close();
    rows.push({ name, gzip: gzipSync(output[0].code, { level: 9 }).length });
  }
  return rows;
}

export function partsTable(res) {
  const all = res.parts[0].gzip;
  return table(
    ['build', 'gzip -9', 'the part costs'],
    res.parts.map((r, i) => [r.name, int(r.gzip), i ? int(all - r.gzip) : '']),
    ['l', 'r', 'r'],
  );
}

export async function runSize(snap) {
  const mjs = join(snap.dist, 'pushline.mjs').replace(/\\/g, '/');
  const exported = new Set(
    [...readFileSync(mjs, 'utf8').matchAll(/^export \{([^}]*)\}/gm)].flatMap((m) => m[1].split(',').map((s) => s.trim().split(/\s+as\s+/).pop())),
  );
  const rows = [];
  const notes = [];
  const add = (group, name, what, code) => rows.push({ group, name, what, ...measure(code) });

  add('pushline', 'dist/pushline.min.js', 'script tag as shipped (rollup + Babel ES5 + terser): four transports, fallback, reconnection, resume, EventSource polyfill, data-* set-up', readFileSync(join(snap.dist, 'pushline.min.js')));
  if (existsSync(join(snap.dist, 'pushline.full.min.js'))) {
    add('pushline', 'dist/pushline.full.min.js', 'the same + the optional features (cross-tab sharing, upgrade back to WebSocket, remembered transport)', readFileSync(join(snap.dist, 'pushline.full.min.js')));
  }
  add('pushline', 'dist/pushline.mjs, all exports', "esbuild `export * from 'pushline'`", await bundle(`export * from ${JSON.stringify(mjs)};`));
  add('pushline', 'connect()', 'esbuild; connect() takes transport names, so it carries all four transports and the optional features', await bundle(`export { connect } from ${JSON.stringify(mjs)};`));
  add('pushline', 'PushlineEventSource', 'esbuild; the EventSource polyfill alone', await bundle(`export { PushlineEventSource } from ${JSON.stringify(mjs)};`));
  const missing = ['createClient', ...TRANSPORTS].filter((n) => !exported.has(n));
  if (missing.length) {
    notes.push(`Per-transport rows skipped: dist/pushline.mjs does not export ${missing.map((n) => '`' + n + '`').join(', ')} yet (built ${snap.builtAt.toISOString()}).`);
  } else {
    for (const t of TRANSPORTS) {
      add('pushline', `createClient + ${t}`, 'esbuild; one transport, tree-shaken', await bundle(
        `import { createClient, ${t} } from ${JSON.stringify(mjs)};\nexport default (u) => createClient(u, { transports: [${t}] });`,
      ));
    }
    add('pushline', 'createClient + all four', 'esbuild; every transport factory', await bundle(
      `import { createClient, ${TRANSPORTS.join(', ')} } from ${JSON.stringify(mjs)};\nexport default (u) => createClient(u, { transports: [${TRANSPORTS.join(', ')}] });`,
    ));
    add('pushline', 'createClient + all four + polyfill', "esbuild; what the core script tag carries, bundled the peers' way (modern syntax)", await bundle(
      `import { createClient, ${TRANSPORTS.join(', ')} } from ${JSON.stringify(mjs)};\nexport { PushlineEventSource, polyfill } from ${JSON.stringify(mjs)};\nexport default (u) => createClient(u, { transports: [${TRANSPORTS.join(', ')}] });`,
    ));
  }
  // What the script tag pushline.min.js is made of (its entry, src/browser.ts).
  const scriptEntry = JSON.stringify(join(snap.esm, 'browser.js').replace(/\\/g, '/'));
  const modules = await breakdown(snap, `export * from ${scriptEntry};`);
  for (const p of PEERS) {
    try {
      add('peer', `${p.name} ${version(p.name)}`, p.covers, await bundle(p.entry));
    } catch (e) {
      notes.push(`${p.name}: bundling failed: ${e.message.split('\n')[0]}`);
    }
  }
  const parts = await partsCost(snap);
  return { rows, notes, modules, parts, esbuildVersion: esbuild.version };
}

export function modulesTable(res) {
  const m = res.modules;
  return table(
    ['module', 'min bytes', 'share'],
    m.rows.map((r) => [r.module, int(r.min), Math.round((100 * r.min) / m.total) + ' %']),
    ['l', 'r', 'r'],
  );
}

export function sizeTable(res) {
  return table(
    ['bundle', 'min', 'gzip -9', 'brotli -q 11', 'what it carries'],
    res.rows.map((r) => [r.name, int(r.min), int(r.gzip), int(r.brotli), r.what]),
    ['l', 'r', 'r', 'r', 'l'],
  );
}

export { kib, require };
