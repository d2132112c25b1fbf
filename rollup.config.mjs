// Bundles what `tsc -p tsconfig.json` emitted into build/ (TypeScript 7 cannot be loaded by
// @rollup/plugin-typescript, so tsc compiles and rollup only bundles). See scripts/build.mjs.
import terser from '@rollup/plugin-terser';
import { babel } from '@rollup/plugin-babel';
import { dts } from 'rollup-plugin-dts';
import { existsSync, readFileSync } from 'node:fs';

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

// The script-tag bundle must parse in ES5 engines: Babel lowers the syntax. No polyfills are
// injected (useBuiltIns off): the source avoids the runtime built-ins old engines lack.
const es5 = babel({
  babelHelpers: 'bundled',
  babelrc: false,
  configFile: false,
  presets: [['@babel/preset-env', { targets: 'ie 11', modules: false, loose: true, bugfixes: true, exclude: ['transform-typeof-symbol'] }]],
});

const minify = terser({ ecma: 5, safari10: true, compress: { hoist_funs: true, passes: 3, pure_getters: true, unsafe_comps: true, unsafe_math: true }, mangle: { properties: { regex: /^_/ } } });

export default [
  {
    // ESM entries: the client, and the nchan profile as its own entry ('pushline/nchan'), so the
    // client bundle does not carry it; what both use goes into a shared chunk.
    input: { pushline: input, 'pushline-nchan': 'build/esm/profiles/nchan.js' },
    plugins: [tscMaps],
    output: { dir: 'dist', format: 'es', sourcemap: true, banner, entryFileNames: '[name].mjs', chunkFileNames: 'pushline-[hash].mjs' },
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
];
