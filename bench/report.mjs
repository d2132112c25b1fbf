// Renders BENCHMARKS.md from the results of bench/run.mjs (and, for sections not rerun, from the
// data the previous BENCHMARKS.md kept in comments). Text outside the generated blocks is not kept,
// except the hand-written block between <!-- bench:notes:start --> and <!-- bench:notes:end -->.
import { readFileSync } from 'node:fs';
import { e2eTables, fallbackTable, memoryTable, sendsTable, CONNECT_TIMEOUT, CYCLES, BIG_N, CHROMIUM_ARGS, SEND_N } from './browser.mjs';
import { INPUTS, parserTables } from './parsers.mjs';
import { ESBUILD_OPTIONS, modulesTable, partsTable, sizeTable } from './size.mjs';
import { medianMs, pushlinePaths, ttfmTable } from './ttfm.mjs';
import { fixed, int, markdownTable, median } from './lib.mjs';

const pct = (x) => `${Math.round(x * 100)} %`;

function sizeBody(d) {
  const notes = d.notes.length ? '\n\n' + d.notes.map((n) => `- ${n}`).join('\n') : '';
  return `Bytes of each bundle: minified, gzip (zlib level 9), brotli (quality 11, text mode).
Every row but the first is bundled by esbuild ${d.esbuildVersion} the same way: \`${JSON.stringify({ bundle: true, minify: true, format: 'iife', platform: 'browser', define: ESBUILD_OPTIONS.define })}\`,
default target (each package keeps the syntax it ships), from a one-line entry that imports what an
application would. Pushline's rows import the built ESM (\`dist/pushline.mjs\`), so tree-shaking
decides what stays; the first row is the script-tag bundle exactly as \`npm run build\` ships it
(rollup, Babel down to ES5, terser).

${markdownTable(sizeTable(d))}${notes}

Where the bytes of the script tag \`pushline.min.js\` go (its entry, \`src/browser.ts\`): the same recipe on tsc's
per-module output (\`build/esm\`), minified bytes per source module from esbuild's metafile (${int(d.modules.total)} B in all, wrapper included):

${markdownTable(modulesTable(d))}${d.parts ? `

What each part of \`pushline.min.js\` costs: the tag built again from its entry by the same rollup + Babel +
terser recipe (\`rollup.config.mjs\`), with that part replaced by an empty module (no banner or source-map comment):

${markdownTable(partsTable(d))}` : ''}`;
}

/** How many parses each input's samples took, e.g. "a 6, b 7, c 2, d 4". */
function repsText(d) {
  return Object.entries(d).filter(([, r]) => r.reps).map(([k, r]) => `${k} ${r.reps}`).join(', ') || 'not recorded';
}

function parsersBody(d) {
  const t = parserTables(d);
  return `Node ${process.version}. Identical inputs for our SSE parser (\`build/esm/parse/sse.js\`, \`createSseParser({event}).push(text)\`)
and eventsource-parser 3.1.1 (\`createParser({onEvent}).feed(text)\`): each event is \`id: N\\ndata: <JSON message frame>\\n\\n\`, as the
reference server writes it. Our delimiter parser (\`build/esm/parse/delimited.js\`, \`createDelimitedParser('\\n', Infinity, …)\`) gets
the equivalent stream of the streaming transport: the same JSON frames, each followed by \`\\n\`. Inputs are cut into chunks
beforehand (flat strings, as a TextDecoder returns them). One child process per input; in it, 2 warm-up rounds, then 7 rounds
in which the parsers take turns (rotating order), each timing one sample after a forced GC: the input parsed back to back as
many times as makes the fastest warm-up last 100 ms (${repsText(d)}), the same count for every parser of the input, since
single runs of ~15 ms varied by ±20 % between rounds. Time is the process's CPU time per parse with \`--single-threaded\`
(GC and compilation run on the measured thread), because the machine is shared; figures are medians of the 7 rounds, and
the speed column is the median of the per-round ratios (eventsource-parser's time ÷ this parser's time), so both sides of a
ratio ran back to back. MB/s counts input bytes (10⁶).

${markdownTable(t.detail)}

Speed ÷ eventsource-parser, target ≥ 1.5×:

${markdownTable(t.ratios)}`;
}

function e2eBody(d) {
  const t = e2eTables(d);
  return `Chromium (puppeteer-core, headless), one page served by the reference server (\`static\`: bench/pages, \`/dist/\`: a snapshot of
\`dist/\`), loading \`/dist/pushline.min.js\`. The server publishes from the bench process with \`srv.publish()\` in batches of 1,000
(yielding to the event loop between batches); the page counts what the application receives and checks the order.
Pushline runs with \`transports: [name]\`; the raw clients read the same endpoints without Pushline and do the least an
application must (JSON.parse each frame): native \`WebSocket\` on \`/ws\`, native \`EventSource\` on \`/sse\`, \`fetch\` +
\`ReadableStream\` + \`TextDecoder\` on \`/stream\`, and a \`fetch\` long-poll loop on \`/poll\` — plus, for long polling, the same loop
over \`XMLHttpRequest\` (what Pushline uses, so that it runs where fetch is missing), as a second ceiling. Every measurement runs in a freshly
loaded page after 5,000 warm-up messages; Pushline and raw alternate (${d.websocket ? d.websocket.runs.pushline.length : '–'} repetitions
for WebSocket, ${d.sse ? d.sse.runs.pushline.length : '–'} for the others, which take a second each), and the best of the repetitions is shown
(the ratio column also gives the median of the per-repetition ratios: runs are short and the machine is shared). msgs/s = messages ÷ (last receipt − first publish).
"page task/script µs per message" is Chromium's TaskDuration/ScriptDuration of the page (DevTools Performance metrics)
divided by the messages: the page's own CPU cost, independent of how fast the server publishes (it includes time the
renderer was descheduled on this shared machine); the table gives its median over the repetitions, and Pushline's ÷ raw's. Puppeteer runs with \`networkEnabled: false\`: with the Network domain on,
DevTools receives one event per WebSocket frame and EventSource message, which costs the page more than Pushline does.

Throughput, 100,000 messages of ~35 bytes, target: Pushline within 10 % of the raw transport:

${markdownTable(t.throughput)}

Publish-to-receive latency at a steady 100 msg/s for 5 s (500 samples after 50 warm-up messages; the data is the
publish time, \`performance.timeOrigin + performance.now()\` in Node and in the page; the two take separate timeOrigin
samples, so the page's offset from Node's clock is measured after each run from the quickest of 30 round trips and
subtracted, ± half that round trip):

${markdownTable(t.latency)}`;
}

function fallbackBody(d) {
  return `Time from \`Pushline.connect()\` to the \`open\` event and to the first message, with the reference server publishing a
message every 5 ms. \`connectTimeout\` is the default, ${int(CONNECT_TIMEOUT)} ms. Refused: \`srv.block('websocket', 'refuse')\`
(the upgrade is answered 502). Hangs: \`srv.block('websocket', 'hang')\` (TCP accepted, never answered). Buffered:
\`transports: ['streaming', 'longpoll']\` with \`srv.block('streaming', 'buffer')\` (headers arrive, body bytes do not). Next to
each, a direct connection on the transport that wins. Median of 5 runs (1 run for the hanging and the buffered one, which waited for the whole timeout before the transports raced).

${markdownTable(fallbackTable(d))}`;
}

function memoryBody(d) {
  return `V8 heap of the page (\`Runtime.getHeapUsage\` usedSize after three \`HeapProfiler.collectGarbage\`), one page per
transport, each in its own browser context (its own renderer process, so the heaps are separate), Pushline with
\`transports: [name]\` and \`reconnect: {initialDelay: 5, maxDelay: 20, jitter: 0, budget: 100000}\`. Baseline after a warm-up
(20 reconnects, 2,000 small and 200 large messages). Then ${int(CYCLES)} cycles of \`srv.drop()\` (all four connections cut
at once; the next cycle starts when every transport is connected again), then ${int(BIG_N)} messages of 64 KiB to each
client, paced in batches of 100 (each batch received by every client before the next). "reconnections seen" counts the
client's \`open\` events: long polling sees about half the drops, because Chromium itself retries a held GET whose reused
keep-alive socket is cut (see README, Browser support), so the client never learns of that drop; a drop that lands before
the client has read the server's open frame is a failed attempt, not a reconnection. Took ${fixed(d.cycleSeconds, 0)} s for the drops and ${fixed(d.bigSeconds, 0)} s for the large messages.
Target: growth < 1 MB.

${markdownTable(memoryTable(d))}`;
}

function sendsBody(d) {
  return `Client to server in Chromium: on an open connection of each transport (Pushline with \`transports: [name]\`,
default options, the reference server), ${int(SEND_N)} \`send()\` calls made back to back; the time from the first call
until the server's \`onMessage\` has had them all (both read in Node). Three runs; each run measures the four transports
in turn on fresh pages, and each ratio compares a transport with the WebSocket of the same run. Goal (issue 17): every
HTTP transport at least 0.5× the WebSocket's rate, never below 0.25×.

${markdownTable(sendsTable(d))}`;
}

function ttfmBody(d) {
  const tables = Object.entries(d.browsers).map(([name, b]) => `${b.version} (${int(b.seconds)} s):

${markdownTable(ttfmTable(d, name))}

Pushline's public \`fallback\`, \`open\` and \`error\` events in the first run of each row (ms after connect()):

${pushlinePaths(d, name).map((l) => `- ${l}`).join('\n')}`);
  return `Time from \`connect()\` to the first message on a fresh page load, default options, each client through the same imitated
network. Each system runs its own server in the bench process — Pushline's reference server, engine.io ${d.servers['engine.io']} and
sockjs ${d.servers.sockjs} from npm (the peers' own servers) — and each server publishes a counter every ${d.publishEveryMs} ms. In front of
each server, one copy of the same small proxy (\`bench/proxy.mjs\`) imitates the network: it sorts requests into WebSocket
upgrades, SSE streams (Pushline \`/sse\`, sockjs \`eventsource\`), other streams (Pushline \`/stream\`, sockjs \`xhr_streaming\`,
\`htmlfile\`) and polling (Pushline \`/poll\`, engine.io \`transport=polling\`, sockjs \`xhr\`, \`jsonp\`), and per row *refuses*
a class (502, like a proxy; a raw 502 to an upgrade), lets it *hang* (accepted, never answered), or *buffers* it (status and
headers — or the 101 — at once, then every body byte or frame held until the response ends). Pages, scripts, handshakes
(sockjs \`info\`) and sends always go through; polling responses are complete responses, which buffering does not delay:
that is why clients fall back to them. "Streams" are both stream classes.

Every measurement is a fresh page in a new browser context (nothing remembered: no cache, storage or connection from an
earlier run) loaded through the proxy, with the client's script-tag build (Pushline \`dist/pushline.min.js\`,
\`Pushline.connect(origin)\`; engine.io-client \`dist/engine.io.min.js\`, \`eio(origin)\`; sockjs-client \`dist/sockjs.min.js\`,
\`new SockJS(origin + '/sockjs')\`); the page times \`connect()\` to the first message (\`performance.now()\`) and names the
transport it came over as the client does (\`client.transport\`, \`socket.transport.name\`, \`sock.transport\`). One measurement at a
time; ${d.runs} runs, the runs being the outer loop. Each cell: the median, the transport of the first message, and the runs in ms.
A measurement with no message in ${d.capMs / 1000} s is capped (\`> ${d.capMs / 1000} s\`). The last column: for Pushline, the first ${d.orderSample} messages of each run
(from its first message; all runs of the row summed) — received, duplicates, steps back (a message older than one
already received) and missing (counter values skipped between the first and the last; the reference server gives
each published message the next id, so this is the order of the ids): a figure, not a check. The section took ${int(d.seconds)} s.

${tables.join('\n\n')}`;
}

/** The script tag's budget as test/node/size.test.mjs guards it, so that the summary cannot go stale. */
function scriptTagGuard() {
  const test = readFileSync(new URL('../test/node/size.test.mjs', import.meta.url), 'utf8');
  return Number(/'pushline\.min\.js': (\d+)/.exec(test)[1]);
}

/** Data-driven observations; the analysis of causes lives in the hand-written notes block. */
function standsOut(data) {
  const out = [];
  const s = data.size;
  if (s) {
    const ours = s.rows.find((r) => r.name === 'dist/pushline.min.js');
    const peers = s.rows.filter((r) => r.group === 'peer');
    const smaller = peers.filter((r) => r.gzip < ours.gzip).map((r) => `${r.name} (${int(r.gzip)})`);
    const larger = peers.filter((r) => r.gzip >= ours.gzip).map((r) => `${r.name.split(' ')[0]} ${fixed(r.gzip / ours.gzip, 1)}×`);
    out.push(`**Size.** The script tag is ${int(ours.gzip)} B gzip / ${int(ours.brotli)} B brotli with all four transports, reconnection, resume, exactly-once sends and the EventSource polyfill (guard in npm test: ${int(scriptTagGuard())} B). ` +
      `Smaller peers: ${smaller.join(', ') || 'none'}. Larger: ${larger.join(', ')}.`);
    const full = s.rows.find((r) => r.name === 'dist/pushline.full.min.js');
    if (full) out.push(`With the optional features (sharing, upgrade, remember), pushline.full.min.js is ${int(full.gzip)} B gzip (+${int(full.gzip - ours.gzip)} B).`);
    const single = s.rows.filter((r) => /^createClient \+ (websocket|sse|streaming|longpoll)$/.test(r.name));
    const all4 = s.rows.find((r) => r.name === 'createClient + all four');
    if (single.length && all4) {
      const min = single.reduce((a, b) => (b.gzip < a.gzip ? b : a));
      out.push(`One transport tree-shaken is ${int(min.gzip)}–${int(Math.max(...single.map((r) => r.gzip)))} B gzip; all four ${int(all4.gzip)} B: ` +
        `the shared client core (policy, URLs, errors, emitter, XHR helper) is most of any bundle, a transport costs ${int(all4.gzip - min.gzip)} B for the other three together.`);
    }
    const poly = s.rows.find((r) => r.name === 'PushlineEventSource');
    const esp = peers.find((r) => r.name.startsWith('event-source-polyfill'));
    if (poly && esp) out.push(`The EventSource polyfill alone is ${int(poly.gzip)} B gzip, ${fixed(esp.gzip / poly.gzip, 1)}× smaller than event-source-polyfill (${int(esp.gzip)} B).`);
    const same = s.rows.find((r) => r.name === 'createClient + all four + polyfill');
    if (same) {
      const multi = peers.filter((r) => !/^(event-source-polyfill|reconnecting-websocket)/.test(r.name));
      const below = multi.filter((r) => r.gzip < same.gzip).map((r) => `${r.name} (${int(r.gzip)})`);
      out.push(`Bundled the peers' way (esbuild, modern syntax), what the script tag carries — four transports, the policy and the polyfill — is ${int(same.gzip)} B gzip: ` +
        (below.length ? `larger than ${below.join(', ')}.` : `smaller than every multi-transport peer (the nearest, ${multi.reduce((a, b) => (b.gzip < a.gzip ? b : a)).name}, is ${int(Math.min(...multi.map((r) => r.gzip)))} B).`));
    }
  }
  const p = data.parsers;
  if (p) {
    const rs = Object.entries(p).filter(([, r]) => r.results);
    const fmt = (n) => rs.map(([k, r]) => `${k} ${fixed(r.results[n].ratio, 2)}×`).join(', ');
    const miss = (n) => rs.filter(([, r]) => r.results[n].ratio < 1.5).map(([k]) => k);
    out.push(`**Parsers.** SSE parser vs eventsource-parser: ${fmt('pushline sse')}${miss('pushline sse').length ? ` — target 1.5× missed on ${miss('pushline sse').join(', ')}` : ' — target met'}. ` +
      `Delimiter parser: ${fmt('pushline delimited')}${miss('pushline delimited').length ? ` — below 1.5× on ${miss('pushline delimited').join(', ')}` : ''}.`);
    for (const [k, what] of [['b', '1k messages of 64 KiB'], ['d', 'one 8 MiB message']]) {
      const r = p[k]?.results;
      const floor = r && r['floor: find LFs, copy each message once'];
      if (floor) {
        out.push(`(${k}) ${what}: merely finding the line ends and copying each message once takes ${fixed(floor.ms, 1)} ms (${fixed(floor.ratio, 2)}× eventsource-parser's ${fixed(r['eventsource-parser'].ms, 1)} ms); our SSE parser takes ${fixed(r['pushline sse'].ms, 1)} ms` +
          (floor.ratio < 1.5 ? ': large messages are bound by building the strings, and no parser can be 1.5× faster there.' : '.'));
      }
    }
  }
  const e = data.e2e;
  if (e) {
    const parts = [];
    const slow = [];
    for (const [t, r] of Object.entries(e)) {
      const best = (runs) => runs.reduce((a, b) => (b.rate > a.rate ? b : a));
      const q = best(r.runs.pushline).rate / best(r.runs.raw).rate;
      const m = median(r.runs.pushline.map((x, i) => x.rate / r.runs.raw[i].rate));
      const cpu = (runs) => median(runs.map((x) => x.pageTaskMs / x.n));
      parts.push(`${t} ${fixed(q, 2)}× (median ${fixed(m, 2)}×; page CPU per message ${fixed(cpu(r.runs.pushline) / cpu(r.runs.raw), 2)}× raw's)`);
      if (q < 0.9) slow.push(t);
    }
    out.push(`**End to end.** Pushline ÷ raw msgs/s, best of the repetitions: ${parts.join(', ')}. ${slow.length ? `Not within 10 % on ${slow.join(', ')}.` : 'Within 10 % everywhere.'} ` +
      `Both sides use the same native transport, so a ratio above 1.00× is noise from the shared machine, not Pushline beating the browser.`);
  }
  const f = data.fallback;
  if (f) {
    const first = (label) => {
      const sc = f.find((x) => x.label.startsWith(label));
      const ok = sc ? sc.runs.filter((r) => r.tFirst !== null) : [];
      return ok.length ? median(ok.map((r) => r.tFirst)) : NaN;
    };
    out.push(`**Fallback.** A refused WebSocket costs ${fixed(first('websocket refused') - first('direct: sse'), 0)} ms over connecting to SSE directly; ` +
      `a hanging one ${int(first('websocket hangs') - first('direct: sse'))} ms (first message at ${int(first('websocket hangs'))} ms, connectTimeout ${int(CONNECT_TIMEOUT)} ms: the next transport races it after a head start), ` +
      `a buffered stream ${int(first('streaming buffered') - first('direct: longpoll'))} ms (${int(first('streaming buffered'))} ms vs ${fixed(first('direct: longpoll'), 0)} ms direct on long polling).`);
  }
  const m = data.memory;
  if (m) {
    const rows = Object.entries(m.transports).map(([t, x]) => [t, (x.h2 - x.hMid) / (BIG_N / 2), x.h2 - x.h0]);
    const leak = rows.filter(([, perMsg]) => perMsg > 8);
    out.push(`**Memory.** Growth after ${int(CYCLES)} drops and ${int(BIG_N)} × 64 KiB: ${rows.map(([t, , tot]) => `${t} ${fixed(tot / 1024, 0)} KiB`).join(', ')} (target < 1 MB). ` +
      (leak.length
        ? `But the heap still grows by ${leak.map(([t, b]) => `${fixed(b, 0)} B`).join(' / ')} per message over the last ${int(BIG_N / 2)} messages (${leak.map(([t]) => t).join(', ')}): growth is linear in the message count, whatever the size, so a long-lived page passes 1 MB after ~${int(1048576 / median(leak.map(([, b]) => b)))} messages.`
        : 'No growth per message over the last half.'));
  }
  const t = data.ttfm;
  if (t) {
    for (const b of Object.values(t.browsers)) {
      const ms = (row, client) => {
        const m = medianMs(row.clients[client]);
        return m === Infinity ? `> ${t.capMs / 1000} s` : `${int(m)} ms`;
      };
      const others = (row) => t.clients.filter((c) => c.name !== 'pushline').map((c) => `${c.label.split(' ')[0]} ${ms(row, c.name)}`).join(', ');
      const open = b.rows[0];
      const worst = b.rows.reduce((a, r) => (medianMs(r.clients.pushline) > medianMs(a.clients.pushline) ? r : a));
      const slow = b.rows.filter((r) => medianMs(r.clients.pushline) > 1000);
      const order = b.rows.flatMap((r) => r.clients.pushline);
      const sum = (k) => order.reduce((a, r) => a + r[k], 0);
      out.push(`**Time to first message** (${b.version}, medians of ${t.runs}). Open network: Pushline ${ms(open, 'pushline')} (${others(open)}). ` +
        `Pushline's slowest row, "${worst.label}": ${ms(worst, 'pushline')} (${others(worst)}). ` +
        (slow.length ? `Rows where Pushline's first message takes over a second: ${slow.map((r) => `${r.label} (${ms(r, 'pushline')})`).join('; ')}. ` : 'Every row under a second. ') +
        `Its first ${t.orderSample} messages, all rows and runs: ${int(sum('duplicates'))} duplicates, ${int(sum('stepsBack'))} steps back, ${int(sum('missing'))} missing of ${int(sum('received'))} received.`);
    }
  }
  const sends = data.sends;
  if (sends && sends.websocket) {
    const ratios = ['sse', 'streaming', 'longpoll'].filter((t) => sends[t]).map((t) => [t, median(sends[t].map((x, i) => x.rate / sends.websocket[i].rate))]);
    const below = ratios.filter(([, r]) => r < 0.5);
    out.push(`**Send rate.** WebSocket ${int(median(sends.websocket.map((x) => x.rate)))} msgs/s; the HTTP transports ${ratios.map(([t, r]) => `${t} ${fixed(r, 2)}×`).join(', ')} of it (medians). ` +
      (below.length ? `Below the 0.5× goal: ${below.map(([t]) => t).join(', ')}.` : 'Every one at least 0.5×.'));
  }
  return out.map((l) => `- ${l}`).join('\n');
}

const DEFAULT_NOTES = `<!-- bench:notes:start -->
### Notes (hand-written, kept across runs)

_None yet._
<!-- bench:notes:end -->`;

export function render(results, meta, previous) {
  const builders = {
    size: ['1. Size', sizeBody],
    parsers: ['2. Parsers', parsersBody],
    e2e: ['3. End to end in Chromium', e2eBody],
    fallback: ['4. Fallback cost', fallbackBody],
    memory: ['5. Memory', memoryBody],
    ttfm: ['6. Time to first message', ttfmBody],
    sends: ['7. Send rate', sendsBody],
  };
  const blocks = [];
  const data = {};
  for (const [name, [title, body]] of Object.entries(builders)) {
    if (results[name]) {
      blocks.push(block(name, title, body(results[name]), meta, results[name]));
      data[name] = results[name];
    } else if (previous.sections[name]) {
      blocks.push(previous.sections[name].block);
      data[name] = previous.sections[name].data;
    } else {
      blocks.push(`<!-- bench:${name}:start -->\n## ${title}\n\n_Not run yet: \`npm run bench -- --only ${name}\`._\n<!-- bench:${name}:end -->`);
    }
  }
  return `# Benchmarks

Size and speed of Pushline next to its peers and next to raw browser clients. Generated by
\`npm run bench\` (\`bench/run.mjs\`; \`npm run bench -- --only size,parsers,e2e,fallback,memory,ttfm\` runs some
sections and keeps the others). Every figure below was printed by that command; do not edit them by hand.
Each section names the command, date and commit that produced it.

The machine is small and shared (other processes ran tests at the same time), so absolute times move from
run to run; compare the ratios, which are always measured within one run, back to back.

## Machine (last run)

| | |
|:---|:---|
| date | ${meta.date} |
| command | \`${meta.command}\` (${meta.seconds} s) |
| nproc | ${meta.nproc} (${meta.cpu}) |
| memory | ${meta.memory} |
| node | ${meta.node} |
| chromium | ${meta.chromium} (headless, puppeteer-core; flags \`${CHROMIUM_ARGS.join(' ')}\`) |
| OS | ${meta.os} |
| load average (1/5/15 min) | ${meta.load} at the start, ${meta.loadEnd} at the end |
| commit | ${meta.commit} |

## What stands out

${standsOut(data)}

${previous.notes || DEFAULT_NOTES}

${blocks.join('\n\n')}
`;
}

function block(name, title, body, meta, data) {
  // Kept for the summary of later runs that skip this section. '--' only occurs inside JSON strings.
  const payload = JSON.stringify(data).replace(/--/g, '-\\u002d');
  return [
    `<!-- bench:${name}:start -->`,
    `## ${title}`,
    '',
    `_\`${meta.command}\` — ${meta.date}, commit ${meta.commit}, load average ${meta.load} at the start._`,
    '',
    body.trim(),
    '',
    `<!-- bench:data ${payload} -->`,
    `<!-- bench:${name}:end -->`,
  ].join('\n');
}
