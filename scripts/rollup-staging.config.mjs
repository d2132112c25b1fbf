// rollup.config.mjs with every output moved from dist/ to the folder named by $PUSHLINE_DIST,
// which scripts/build.mjs builds into before swapping it in place of dist/. The folder must sit
// beside dist/ (same depth), so that the source maps' relative paths come out the same.
import configs from '../rollup.config.mjs';

const target = process.env.PUSHLINE_DIST;
if (!target || target.includes('/')) throw new Error('PUSHLINE_DIST must name a folder beside dist/ (scripts/build.mjs sets it)');

const moved = (file) => file.replace(/^dist(?=\/|$)/, target);
const redirect = (output) => ({
  ...output,
  ...(output.dir === undefined ? {} : { dir: moved(output.dir) }),
  ...(output.file === undefined ? {} : { file: moved(output.file) }),
});

export default configs.map((config) => {
  const outputs = Array.isArray(config.output) ? config.output : [config.output];
  for (const output of outputs) {
    if (!/^dist(\/|$)/.test(output.dir ?? output.file)) throw new Error(`rollup.config.mjs: an output outside dist/: ${output.dir ?? output.file}`);
  }
  return { ...config, output: Array.isArray(config.output) ? outputs.map(redirect) : redirect(config.output) };
});
