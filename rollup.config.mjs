// Bundles what `tsc -p tsconfig.json` emitted into build/ (TypeScript 7 cannot be loaded by
// @rollup/plugin-typescript, so tsc compiles and rollup only bundles). See scripts/build.mjs.
import terser from '@rollup/plugin-terser';
import { babel } from '@rollup/plugin-babel';
import { dts } from 'rollup-plugin-dts';
import { transform } from 'esbuild';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const banner = `/*! pushline v${pkg.version} | MIT */`;
const input = 'build/esm/index.js';
// The script-tag bundles add declarative set-up (data-* attributes): pushline.min.js has the
// core API, pushline.full.min.js also the optional features (sharing, upgrade, remember).
const scriptInputs = { pushline: 'build/esm/browser.js', 'pushline.full': 'build/esm/browser-full.js' };

// Chain tsc's source maps so dist/*.map point at src/*.ts.
const tscMaps = {
  name: 'tsc-sourcemaps',
  load(id) {
    if (!id.endsWith('.js') || !existsSync(id + '.map')) return null;
    return { code: readFileSync(id, 'utf8'), map: readFileSync(id + '.map', 'utf8') };
  },
};

// Internal members (`_name`, marked @internal or private) get short names in the ESM build too, as
// terser gives them in the script tags: an SPA's bundle is ~200 B gzip smaller, since an
// application's bundler cannot know they are private. The table is made once for every chunk
// (the features and the nchan entry reach into the client by these names, across chunks) from
// all `_name` tokens in tsc's output, most frequent first: `_a`, `_b`, ... The new names keep the
// underscore, so they can never meet a public name. esbuild renames only property names, by AST.
function internalNames() {
  const count = new Map();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = dir + '/' + e.name;
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.js')) for (const [name] of readFileSync(path, 'utf8').matchAll(/(?<![\w$])_[a-zA-Z][\w$]*/g)) count.set(name, (count.get(name) || 0) + 1);
    }
  };
  walk(fileURLToPath(new URL('./build/esm', import.meta.url)));
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const short = (i) => '_' + (i < letters.length ? '' : letters[Math.floor(i / letters.length) - 1]) + letters[i % letters.length];
  const names = [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);
  const taken = new Set(names);
  const table = {};
  let next = 0;
  for (const name of names) {
    while (taken.has(short(next))) next++; // a source name that already looks short keeps its own
    table[name] = short(next++);
  }
  return table;
}

let table = null;
const mangleInternals = {
  name: 'mangle-internals',
  async renderChunk(code, chunk) {
    table ||= internalNames();
    const r = await transform(code, { format: 'esm', mangleProps: /^_[a-zA-Z]/, mangleCache: { ...table }, sourcemap: true, sourcefile: chunk.fileName, legalComments: 'inline' });
    const added = Object.keys(r.mangleCache).filter((k) => !(k in table));
    if (added.length) this.error('mangle-internals: names missing from the table: ' + added.join(', '));
    return { code: r.code, map: r.map };
  },
};

// The script-tag bundle must parse in ES5 engines: Babel lowers the syntax. No polyfills are
// injected (useBuiltIns off): the source avoids the runtime built-ins old engines lack.
// Exported for bench/size.mjs, which builds the script tag without one part at a time.
export const BABEL_OPTIONS = {
  babelHelpers: 'bundled',
  babelrc: false,
  configFile: false,
  presets: [['@babel/preset-env', { targets: 'ie 11', modules: false, loose: true, bugfixes: true, exclude: ['transform-typeof-symbol'] }]],
};
export const TERSER_OPTIONS = { ecma: 5, safari10: true, compress: { hoist_funs: true, passes: 3, pure_getters: true, unsafe_comps: true, unsafe_math: true }, mangle: { properties: { regex: /^_/ } } };
const es5 = babel(BABEL_OPTIONS);
const minify = terser(TERSER_OPTIONS);

export default [
  {
    // ESM entries: the client, and the nchan profile as its own entry ('pushline/nchan'), so the
    // client bundle does not carry it; what both use goes into a shared chunk.
    input: { pushline: input, 'pushline-nchan': 'build/esm/profiles/nchan.js', 'pushline-sse': 'build/esm/profiles/sse.js' },
    plugins: [tscMaps],
    output: { dir: 'dist', format: 'es', sourcemap: true, banner, entryFileNames: '[name].mjs', chunkFileNames: 'pushline-[hash].mjs', plugins: [mangleInternals] },
  },
  ...Object.entries(scriptInputs).map(([name, file]) => ({
    input: file,
    plugins: [tscMaps, es5],
    output: [
      { file: `dist/${name}.js`, format: 'iife', name: 'Pushline', sourcemap: true, banner },
      { file: `dist/${name}.min.js`, format: 'iife', name: 'Pushline', sourcemap: true, banner, plugins: [minify] },
    ],
  })),
  {
    input: 'build/types/index.d.ts',
    output: { file: 'dist/pushline.d.ts', format: 'es' },
    plugins: [dts()],
  },
  {
    input: 'build/types/profiles/nchan.d.ts',
    output: { file: 'dist/pushline-nchan.d.ts', format: 'es' },
    plugins: [dts()],
  },
  {
    input: 'build/types/profiles/sse.d.ts',
    output: { file: 'dist/pushline-sse.d.ts', format: 'es' },
    plugins: [dts()],
  },
];
