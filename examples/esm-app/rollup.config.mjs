// Bundles the example app: `npx rollup -c examples/esm-app/rollup.config.mjs` (from the repo
// root; `npm run example:esm` does it). @rollup/plugin-node-resolve resolves the bare 'pushline'
// import with the package's own "exports" (the "import" condition: dist/pushline.mjs). Inside this
// repository that is a self-reference to the package being built, so run `npm run build` first.
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

export default {
  input: here('src/main.js'),
  output: { file: here('dist/app.js'), format: 'es', sourcemap: true },
  plugins: [nodeResolve({ browser: true })],
};
