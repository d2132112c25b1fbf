#!/usr/bin/env node
// npm run bench [-- --only size,parsers,e2e,fallback,memory,ttfm,sends] [--reps N] [--runs N] [--browsers LIST] [--build DIR] [--candidate FILE] [--profile] [--no-write]
//
// Measures Pushline against its peers and raw browser clients, prints tables, and writes
// BENCHMARKS.md: the figures, the command that produced them and the machine they ran on.
// Sections run with --only replace their own part of BENCHMARKS.md; the others are kept (each
// section carries its own command and date). Needs a build: `npm run build` first.
//
//   --only LIST       sections to run (default: all): size, parsers, e2e, fallback, memory, ttfm, sends
//   --reps N          end-to-end throughput repetitions per client (default 2 for WebSocket, twice that for the
//                     others, which run ~1 s each; the best is reported with the median ratio)
//   --runs N          ttfm: runs per condition and client (default 3; the table gives the median)
//   --browsers LIST   ttfm: chromium (default), firefox, webkit, comma-separated (webkit runs under xvfb-run
//                     when there is no display)
//   --build DIR       measure the build (dist/, build/esm/) of another checkout, e.g. an older commit's,
//                     for before/after figures (BENCHMARKS.md is not written then)
//   --candidate FILE  also measure a module exporting createSseParser (try a parser change before editing src/)
//   --profile         parsers: print where the CPU time goes instead of timing (no BENCHMARKS.md change)
//   --no-write        print only
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ROOT, printTable, snapshotBuild } from './lib.mjs';

const SECTIONS = ['size', 'parsers', 'e2e', 'fallback', 'memory', 'ttfm', 'sends'];
const BROWSER_SECTIONS = ['e2e', 'fallback', 'memory', 'sends'];
const argv = process.argv.slice(2);
const arg = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : null);
const only = arg('--only') ? arg('--only').split(',').map((s) => s.trim()).filter(Boolean) : SECTIONS;
for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`unknown section "${s}" (known: ${SECTIONS.join(', ')})`);
const reps = Number(arg('--reps') || 2);
const ttfmRuns = arg('--runs') ? Number(arg('--runs')) : undefined;
const ttfmBrowsers = (arg('--browsers') || 'chromium').split(',').map((s) => s.trim()).filter(Boolean);
const ttfm = only.includes('ttfm') ? await import('./ttfm.mjs') : null;
if (ttfmRuns !== undefined && !(Number.isInteger(ttfmRuns) && ttfmRuns >= 1)) throw new Error(`--runs: expected a whole number ≥ 1, got ${arg('--runs')}`);
for (const b of ttfmBrowsers) if (ttfm && !ttfm.BROWSERS.includes(b)) throw new Error(`--browsers: unknown browser "${b}" (known: ${ttfm.BROWSERS.join(', ')})`);
const candidate = arg('--candidate');
const profile = argv.includes('--profile');
const otherBuild = arg('--build');
const write = !argv.includes('--no-write') && !profile && !candidate && !otherBuild;
const command = process.env.npm_lifecycle_event === 'bench' ? `npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}` : `node bench/run.mjs${argv.length ? ' ' + argv.join(' ') : ''}`;
const OUT = join(ROOT, 'BENCHMARKS.md');
const started = Date.now();
const log = (m) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${m}`);

// WebKitGTK needs a display: without one, the same command runs again under xvfb-run.
if (ttfm && ttfmBrowsers.includes('webkit') && !process.env.DISPLAY) {
  const again = spawnSync('xvfb-run', ['-a', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}

// Everything the bench starts stops by itself: browsers and servers are closed in finally blocks;
// this watchdog ends the process (puppeteer kills its Chromium on exit) if something hangs. The
// time-to-first-message section waits for timers by design (Pushline's connectTimeout, up to three
// times per measurement), so it adds its worst case: every measurement capped.
const ttfmBudget = ttfm ? ttfm.worstCaseMs({ runs: ttfmRuns, browsers: ttfmBrowsers }) : 0;
const watchdogMs = 12 * 60 * 1000 + ttfmBudget;
const watchdog = setTimeout(() => {
  console.error(`bench: watchdog: still running after ${Math.round(watchdogMs / 60000)} minutes, giving up`);
  process.exit(2);
}, watchdogMs);
watchdog.unref();

const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};

function machine(chromiumVersion) {
  const commit = sh('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = sh('git', ['status', '--porcelain', '--', 'src']);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: sh('nproc', []) || String(os.availableParallelism()),
    cpu: os.cpus()[0]?.model || 'unknown',
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    chromium: chromiumVersion || sh('/usr/bin/chromium', ['--version'])?.split('\n').pop() || 'unknown',
    os: `${os.type()} ${os.release()}`,
    load: os.loadavg().map((l) => l.toFixed(2)).join(' / '),
    commit: commit ? commit + (dirty ? ' + uncommitted changes in src/' : '') : 'unknown',
  };
}

// ---- BENCHMARKS.md: one block per section, with its data kept in a comment for later runs ---------

function readPrevious() {
  const prev = {};
  if (!existsSync(OUT)) return { sections: prev, notes: null };
  const text = readFileSync(OUT, 'utf8');
  for (const s of SECTIONS) {
    const m = text.match(new RegExp(`<!-- bench:${s}:start -->([\\s\\S]*?)<!-- bench:${s}:end -->`));
    if (!m) continue;
    const d = m[1].match(/<!-- bench:data (.*?) -->/);
    prev[s] = { block: m[0], data: d ? JSON.parse(d[1]) : null };
  }
  const notes = text.match(/<!-- bench:notes:start -->[\s\S]*?<!-- bench:notes:end -->/);
  return { sections: prev, notes: notes ? notes[0] : null };
}

async function main() {
  const snap = await snapshotBuild(otherBuild || undefined);
  const results = {};
  let chromiumVersion = null;
  let meta = machine(null);
  try {
    if (only.includes('size')) {
      log('size: bundling Pushline and the peers with esbuild');
      const { runSize, sizeTable, modulesTable, partsTable } = await import('./size.mjs');
      results.size = await runSize(snap);
      printTable(sizeTable(results.size), '1. Size (bytes)');
      printTable(modulesTable(results.size), `Where the bytes of pushline.min.js go (its entry src/browser.ts, esbuild on build/esm, ${results.size.modules.total} B minified)`);
      printTable(partsTable(results.size), 'What each part of pushline.min.js costs (built again without it: rollup + Babel + terser, no banner)');
      for (const n of results.size.notes) console.log('  note: ' + n);
    }
    if (only.includes('parsers')) {
      const { runParsers, parserTables, printProfiles } = await import('./parsers.mjs');
      const res = runParsers(snap, { profile, candidate, log });
      if (profile) {
        printProfiles(res);
      } else {
        results.parsers = res;
        const t = parserTables(res);
        printTable(t.detail, '2. Parsers (Node, CPU time, median of 5 after 2 warm-up rounds)');
        printTable(t.ratios, 'Speed ÷ eventsource-parser (target ≥ 1.5×)');
      }
    }
    if (only.some((s) => BROWSER_SECTIONS.includes(s))) {
      const b = await import('./browser.mjs');
      log('launching Chromium');
      const browser = await b.launch();
      try {
        chromiumVersion = await browser.version();
        if (only.includes('e2e')) {
          results.e2e = await b.runE2E(browser, snap, { log, reps });
          const t = b.e2eTables(results.e2e);
          printTable(t.throughput, `3. End to end, 100,000 small messages (best of ${reps} for websocket, ${reps * 2} for the others)`);
          printTable(t.latency, 'Publish-to-receive latency at 100 msg/s for 5 s');
        }
        if (only.includes('fallback')) {
          results.fallback = await b.runFallback(browser, snap, { log, reps: 5 });
          printTable(b.fallbackTable(results.fallback), '4. Fallback cost');
        }
        if (only.includes('sends')) {
          results.sends = await b.runSends(browser, snap, { log, reps: 3 });
          printTable(b.sendsTable(results.sends), `7. Send rate: ${b.SEND_N.toLocaleString('en')} send() calls back to back, until the server has them all (3 runs)`);
        }
        if (only.includes('memory')) {
          results.memory = await b.runMemory(browser, snap, { log });
          printTable(b.memoryTable(results.memory), '5. Memory (JS heap after forced GC)');
        }
      } finally {
        await browser.close();
      }
    }
    if (only.includes('ttfm')) {
      // Its own browsers: a fresh context per measurement, and possibly other engines than Chromium.
      log(`ttfm: ${ttfm.CONDITIONS.length} network conditions × ${ttfm.CLIENTS.length} clients × ${ttfmRuns ?? ttfm.RUNS} runs in ${ttfmBrowsers.join(', ')}, one at a time`);
      results.ttfm = await ttfm.runTtfm(snap, { log, runs: ttfmRuns, browsers: ttfmBrowsers });
      for (const name of Object.keys(results.ttfm.browsers)) {
        printTable(ttfm.ttfmTable(results.ttfm, name), `6. Time to first message, ${results.ttfm.browsers[name].version} (connect() → first message, median of ${results.ttfm.runs}; the section took ${results.ttfm.seconds} s)`);
        for (const line of ttfm.pushlinePaths(results.ttfm, name)) console.log('  Pushline, run 1: ' + line);
      }
    }
  } finally {
    snap.remove();
  }
  meta = { ...machine(chromiumVersion), load: meta.load, command };
  meta.loadEnd = os.loadavg().map((l) => l.toFixed(2)).join(' / ');
  meta.seconds = Math.round((Date.now() - started) / 1000);
  log(`done in ${meta.seconds} s`);
  if (write) {
    const { render } = await import('./report.mjs');
    writeFileSync(OUT, render(results, meta, readPrevious()));
    console.log(`wrote ${OUT}`);
  }
}

main().then(
  () => clearTimeout(watchdog),
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
