// Shared helpers for the benchmarks: statistics, number formatting, tables (console + Markdown),
// and a snapshot of the build so that a concurrent `npm run build` cannot pull files away mid-run.
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Nearest-rank percentile (p in 0..100). */
export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/** Wall-clock milliseconds with sub-ms precision, comparable with a browser page's timeOrigin + now(). */
export const wallNow = () => performance.timeOrigin + performance.now();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function int(n) {
  if (n == null || Number.isNaN(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

export function fixed(n, digits = 1) {
  if (n == null || Number.isNaN(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratio(n) {
  if (n == null || !Number.isFinite(n)) return '–';
  return n.toFixed(2) + '×';
}

export function kib(bytes) {
  if (bytes == null || Number.isNaN(bytes)) return '–';
  return (bytes / 1024).toFixed(1) + ' KiB';
}

export function signedKib(bytes) {
  if (bytes == null || Number.isNaN(bytes)) return '–';
  return (bytes >= 0 ? '+' : '−') + (Math.abs(bytes) / 1024).toFixed(1) + ' KiB';
}

/**
 * A table kept as header + rows of strings; `align` per column: 'l' or 'r'.
 * Printed to the console with padded columns and to Markdown as a pipe table.
 */
export function table(header, rows, align = header.map((_, i) => (i ? 'r' : 'l'))) {
  return { header, rows, align };
}

export function printTable(t, title) {
  const cols = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (t.align[i] === 'r' ? String(c).padStart(cols[i]) : String(c).padEnd(cols[i]))).join('  ');
  if (title) console.log('\n' + title);
  console.log(line(t.header));
  console.log(cols.map((w) => '-'.repeat(w)).join('  '));
  for (const r of t.rows) console.log(line(r));
}

export function markdownTable(t) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  const out = ['| ' + t.header.map(esc).join(' | ') + ' |', '|' + t.align.map((a) => (a === 'r' ? '---:' : ':---')).join('|') + '|'];
  for (const r of t.rows) out.push('| ' + r.map(esc).join(' | ') + ' |');
  return out.join('\n');
}

/**
 * Copies dist/ and build/esm/ under node_modules/.cache (ignored by git, and module resolution of
 * the server's `ws` import still finds the project's node_modules). Others may rebuild while the
 * bench runs; `npm run build` deletes both folders first.
 */
export async function snapshotBuild(from = ROOT) {
  const dir = join(ROOT, 'node_modules', '.cache', `pushline-bench-${process.pid}`);
  const need = ['dist/pushline.min.js', 'dist/pushline.mjs', 'dist/server/index.js', 'build/esm/parse/sse.js', 'build/esm/parse/delimited.js'];
  for (let tries = 0; ; tries++) {
    const missing = need.filter((f) => !existsSync(join(from, f)));
    if (!missing.length) break;
    if (tries >= 30) throw new Error(`missing ${missing.join(', ')}: run \`npm run build\` first`);
    await sleep(1000); // a build may be in progress
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(from, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(from, 'build', 'esm'), join(dir, 'build', 'esm'), { recursive: true });
  for (const f of need) if (!existsSync(join(dir, f))) throw new Error(`snapshot incomplete (${f}): a build ran during the copy; try again`);
  return {
    dir,
    dist: join(dir, 'dist'),
    esm: join(dir, 'build', 'esm'),
    builtAt: statSync(join(dir, 'dist', 'pushline.min.js')).mtime,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
