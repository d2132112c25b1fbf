// npm run build: type-check + compile with tsc, bundle with rollup, verify the ES5 bundle's syntax.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const run = (cmd, ...args) => execFileSync(cmd, args, { stdio: 'inherit' });
rmSync('build', { recursive: true, force: true });
rmSync('dist', { recursive: true, force: true });
run('npx', 'tsc', '-p', 'tsconfig.json');
run('npx', 'tsc', '-p', 'tsconfig.server.json');
run('npx', 'rollup', '-c', '--silent');
// Syntax only: the script-tag bundle must parse in ES5 engines (runtime built-ins are covered by
// the browser test that deletes Promise, Symbol, Map, Set, TextDecoder... before loading it).
run('npx', 'es-check', 'es5', 'dist/pushline.js', 'dist/pushline.min.js', 'dist/pushline.full.js', 'dist/pushline.full.min.js');
run('npx', 'es-check', 'es2022', 'dist/pushline.mjs', '--module');
