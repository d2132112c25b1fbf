// Section 2, parsers (Node): our SSE parser and our delimiter parser against eventsource-parser,
// on identical inputs (the delimiter parser gets the equivalent newline-delimited JSON stream:
// the same JSON frames, each followed by '\n', as the streaming transport receives them).
//
// The parent starts one child process per input (`node --expose-gc --single-threaded
// bench/parsers.mjs --child <input> --esm <build/esm>`), so each input gets a fresh heap and JIT.
// In a child every parser runs 2 warm-up rounds, then 7 timed rounds; the parsers take turns in
// each round (rotating order), each timing one sample after a forced GC: the input parsed as many
// times as makes the fastest warm-up reach 100 ms, the same count for every parser of the input.
// Time is the process's CPU time (user + system) per parse, not wall time: the machine is shared,
// and --single-threaded keeps GC and compilation on the measured thread. Figures are medians of
// the 7 rounds; the ratio is the median of the per-round ratios (each round runs the parsers back
// to back, so they see the same machine load).
//
//   node bench/parsers.mjs --candidate path/to/sse.js   (via run.mjs: --candidate)
// adds a module exporting createSseParser to the comparison, to try a change before editing src/.
// --profile prints where the CPU time goes (V8 sampling profile, self time per function and line).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ROOT, fixed, int, median, ratio, table } from './lib.mjs';

export const INPUTS = {
  a: { label: '(a) 100k small events, 1 KiB chunks', events: 100000, dataSize: 0, chunk: 1024 },
  b: { label: '(b) 1k events of 64 KiB, 16 KiB chunks', events: 1000, dataSize: 65536, chunk: 16384 },
  c: { label: '(c) 100k small events, 7-byte chunks', events: 100000, dataSize: 0, chunk: 7 },
  d: { label: '(d) one 8 MiB message, 1 KiB chunks', events: 1, dataSize: 8 * 1024 * 1024, chunk: 1024 },
};
const WARMUP = 2;
const ROUNDS = 7;
/**
 * A timed sample repeats the run until it lasts about this long: one run of (a) or (b) takes
 * ~15 ms, and single runs that short varied by ±20 % from round to round on this shared machine.
 */
const MIN_SAMPLE_MS = 100;
const OURS = ['pushline sse', 'pushline delimited'];
const THEIRS = 'eventsource-parser';

/** The frames the reference server sends: JSON message frames; SSE adds the `id:` line as it does. */
function streams(spec) {
  const big = spec.dataSize ? 'x'.repeat(spec.dataSize) : '';
  const sse = [];
  const nd = [];
  for (let i = 1; i <= spec.events; i++) {
    const id = String(i);
    const json = JSON.stringify({ id, data: big || `message ${id} ${'lorem ipsum '.repeat(2)}` });
    sse.push(`id: ${id}\ndata: ${json}\n\n`);
    nd.push(json + '\n');
  }
  return { sse: sse.join(''), nd: nd.join('') };
}

function chunk(text, size) {
  const out = [];
  // Flat copies, as a TextDecoder hands them over (a slice of one big string would be a view).
  for (let i = 0; i < text.length; i += size) out.push(Buffer.from(text.slice(i, i + size), 'latin1').toString('latin1'));
  return out;
}

/** Child process: measure one input, print JSON on stdout. */
async function child(key, esmDir, profile, candidate) {
  const spec = INPUTS[key];
  const { createSseParser } = await import(pathToFileURL(join(esmDir, 'parse', 'sse.js')).href);
  const { createDelimitedParser } = await import(pathToFileURL(join(esmDir, 'parse', 'delimited.js')).href);
  const { createParser } = await import('eventsource-parser');
  const { sse, nd } = streams(spec);
  const sseChunks = chunk(sse, spec.chunk);
  const ndChunks = chunk(nd, spec.chunk);

  let count = 0;
  let chars = 0;
  // Every consumer reads a character of what it gets, as JSON.parse or any real use would: a
  // parser that hands over a rope (a V8 cons string) pays for flattening it here, not later.
  const read = (s) => s.length + (s.charCodeAt(s.length >> 1) & 1);
  const runners = {
    'pushline sse': {
      bytes: Buffer.byteLength(sse),
      run() {
        const p = createSseParser({ event(e) { count++; chars += read(e.data); } });
        for (let i = 0; i < sseChunks.length; i++) p.push(sseChunks[i]);
      },
    },
    [THEIRS]: {
      bytes: Buffer.byteLength(sse),
      run() {
        const p = createParser({ onEvent(e) { count++; chars += read(e.data); } });
        for (let i = 0; i < sseChunks.length; i++) p.feed(sseChunks[i]);
      },
    },
    'pushline delimited': {
      bytes: Buffer.byteLength(nd),
      run() {
        const p = createDelimitedParser('\n', Infinity, (t) => { count++; chars += read(t); }, () => { throw new Error('overflow'); });
        for (let i = 0; i < ndChunks.length; i++) p.push(ndChunks[i]);
      },
    },
  };
  if (spec.dataSize > spec.chunk) {
    // What any parser must do at least when every message spans several chunks: find the line
    // ends (one search for LF through every chunk; a conforming SSE parser must look for CR too)
    // and copy each byte of a message once into its string, in one pass over the chunks while
    // each is in cache. No field is parsed: a line starting with "d" (`data: …`) counts as an
    // event and is read whole. (The first version cut the pieces out beforehand and joined them in
    // a second pass; reading 64 MB twice made it slower than our delimiter parser, so no floor.)
    runners['floor: find LFs, copy each message once'] = {
      bytes: Buffer.byteLength(sse),
      run() {
        let pending = '';
        for (let c = 0; c < sseChunks.length; c++) {
          const chunk = sseChunks[c];
          let start = 0;
          let lf = chunk.indexOf('\n');
          if (lf < 0) {
            pending += chunk;
            continue;
          }
          for (; lf >= 0; start = lf + 1, lf = chunk.indexOf('\n', start)) {
            const line = pending + chunk.slice(start, lf);
            pending = '';
            if (line.charCodeAt(0) === 100) {
              count++;
              chars += read(line);
            }
          }
          if (start < chunk.length) pending = chunk.slice(start);
        }
      },
    };
  }
  if (candidate) {
    const cand = await import(pathToFileURL(candidate).href);
    runners['candidate sse'] = {
      bytes: Buffer.byteLength(sse),
      run() {
        const p = cand.createSseParser({ event(e) { count++; chars += read(e.data); } });
        for (let i = 0; i < sseChunks.length; i++) p.push(sseChunks[i]);
      },
    };
  }
  const names = Object.keys(runners);
  /** CPU ms per run, over `reps` runs back to back after a forced GC. */
  const once = (name, reps = 1) => {
    globalThis.gc?.();
    count = chars = 0;
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) runners[name].run();
    const c = process.cpuUsage(c0);
    if (count !== spec.events * reps) throw new Error(`${name}: ${count} events, expected ${spec.events * reps}`);
    return (c.user + c.system) / 1000 / reps;
  };

  let warm = Infinity;
  for (let i = 0; i < WARMUP; i++) for (const n of names) warm = Math.min(warm, once(n));
  // The same count for every parser of this input, from the fastest warm-up run.
  const reps = Math.max(1, Math.ceil(MIN_SAMPLE_MS / warm));

  if (profile) {
    const inspector = await import('node:inspector');
    const s = new inspector.Session();
    s.connect();
    const post = (m, p) => new Promise((res, rej) => s.post(m, p, (e, r) => (e ? rej(e) : res(r))));
    const out = {};
    for (const n of names) {
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 100 });
      await post('Profiler.start');
      for (let i = 0; i < 3; i++) once(n);
      const { profile: prof } = await post('Profiler.stop');
      out[n] = summarise(prof);
    }
    process.stdout.write(JSON.stringify({ key, profile: out }));
    return;
  }

  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(r + k) % names.length];
      times[n].push(once(n, reps));
    }
  }
  const results = {};
  for (const n of names) {
    const ms = median(times[n]);
    results[n] = {
      ms,
      all: times[n],
      bytes: runners[n].bytes,
      mbps: runners[n].bytes / 1e6 / (ms / 1000),
      eps: spec.events / (ms / 1000),
      // Speed relative to eventsource-parser: median over rounds of (its time / this time).
      ratio: median(times[n].map((t, r) => times[THEIRS][r] / t)),
    };
  }
  process.stdout.write(JSON.stringify({ key, reps, results }));
}

/** Self time per function, and per source line of the parsers, from a V8 CPU profile. */
function summarise(prof) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const lines = new Map();
  const dt = new Map();
  for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) || 0) + (prof.timeDeltas[i] || 0));
  let total = 0;
  for (const [id, us] of dt) {
    const n = byId.get(id);
    const f = n.callFrame;
    const file = f.url ? f.url.split('/').slice(-2).join('/') : '';
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) || 0) + us);
    total += us;
    const ticks = n.positionTicks || [];
    const sum = ticks.reduce((a, t) => a + t.ticks, 0);
    if (f.url && !f.url.includes('/bench/')) {
      for (const t of ticks) {
        const lk = `${file}:${t.line}`;
        lines.set(lk, (lines.get(lk) || 0) + (us * t.ticks) / sum);
      }
    }
  }
  const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([fn, us]) => ({ fn, share: us / total }));
  return { functions: top(self, 8), lines: top(lines, 8) };
}

/** Parent side: one child per input. */
export function runParsers(snap, { only = Object.keys(INPUTS), profile = false, candidate = null, log = () => {} } = {}) {
  const out = {};
  for (const key of only) {
    log(`parsers: ${INPUTS[key].label}${profile ? ' (profiling)' : ''}`);
    const args = ['--expose-gc', '--single-threaded', '--max-old-space-size=2048', fileURLToPath(import.meta.url), '--child', key, '--esm', snap.esm];
    if (profile) args.push('--profile');
    if (candidate) args.push('--candidate', candidate);
    const text = execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20, timeout: 240000 });
    out[key] = JSON.parse(text);
  }
  return out;
}

export function parserTables(res) {
  const rows = [];
  const ratios = [];
  for (const [key, r] of Object.entries(res)) {
    if (!r.results) continue;
    const R = r.results;
    for (const [name, x] of Object.entries(R)) {
      rows.push([INPUTS[key].label, name, int(x.bytes), fixed(x.ms, 1), fixed(x.mbps, 0), int(x.eps), name === THEIRS ? '1.00×' : ratio(x.ratio)]);
    }
    ratios.push([INPUTS[key].label, ...OURS.map((n) => ratio(R[n].ratio)), ...(R['candidate sse'] ? [ratio(R['candidate sse'].ratio)] : [])]);
  }
  const hasCand = Object.values(res).some((r) => r.results && r.results['candidate sse']);
  return {
    detail: table(['input', 'parser', 'input bytes', 'median CPU ms', 'MB/s', 'events/s', 'speed ÷ eventsource-parser'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r']),
    ratios: table(['input', 'pushline sse', 'pushline delimited', ...(hasCand ? ['candidate sse'] : [])], ratios, ['l', 'r', 'r', ...(hasCand ? ['r'] : [])]),
  };
}

export function printProfiles(res, log = console.log) {
  for (const [key, r] of Object.entries(res)) {
    if (!r.profile) continue;
    log(`\nprofile ${INPUTS[key].label}`);
    for (const [name, p] of Object.entries(r.profile)) {
      log(`  ${name}`);
      for (const x of p.functions) log(`    ${(x.share * 100).toFixed(1).padStart(5)}%  ${x.fn}`);
      for (const x of p.lines) log(`    ${(x.share * 100).toFixed(1).padStart(5)}%    line ${x.fn}`);
    }
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  const arg = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : null);
  await child(argv[1], arg('--esm'), argv.includes('--profile'), arg('--candidate'));
}
