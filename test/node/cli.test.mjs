// The pushline-server command (dist/server/cli.js) as a person runs it: what it prints, what it
// serves, its flags, and its exit statuses (0 ok, 1 failure at run time, 2 usage error).
// Every server binds 127.0.0.1 on a free port (--port 0) and is killed when its test ends.
// Build first: npm run build. Run: node --test test/node/
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(ROOT, 'dist/server/cli.js');
/** Every flag of the CLI, as --help must list it. */
const FLAGS = ['--port', '--host', '--path', '--static', '--history', '--heartbeat', '--poll-timeout', '--retry', '--controls', '--help'];

/** One HTTP request; resolves with the status, headers and body. */
function request(url, { method = 'GET', body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the CLI to its end; resolves with its exit code and output. Killed after 10 s. */
function runCli(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Starts the CLI on a free port with `args`; resolves once it printed `lines` lines, with those
 * lines, the origin (the last token of the first) and the child, which is killed when the test ends.
 */
async function startCli(t, args = [], lines = 1) {
  const child = spawn(process.execPath, [CLI, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  const printed = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const got = out.split('\n');
      if (got.length > lines) resolve(got.slice(0, lines));
    });
    child.on('exit', (code) => reject(new Error('exited with ' + code)));
  });
  return { child, lines: printed, url: printed[0].split(' ').pop() };
}

describe('CLI', () => {
  test('prints the URL line and serves the demo, the bundles at the root and under /dist/, without the controls; SIGTERM ends it with 0', async (t) => {
    const { child, lines, url } = await startCli(t);
    assert.match(lines[0], /^Pushline reference server listening on http:\/\/127\.0\.0\.1:\d+$/);
    const poll = await request(url + '/poll');
    assert.equal(JSON.parse(poll.body)[0].type, 'open');
    assert.equal((await request(url + '/')).body, await readFile(path.join(ROOT, 'demo/index.html'), 'utf8'));
    for (const name of ['pushline.min.js', 'pushline.full.min.js', 'pushline.mjs']) {
      const bundle = await readFile(path.join(ROOT, 'dist', name), 'utf8');
      assert.equal((await request(url + '/' + name)).body, bundle, '/' + name);
      assert.equal((await request(url + '/dist/' + name)).body, bundle, '/dist/' + name);
    }
    assert.equal((await request(url + '/dist/server/cli.js')).status, 200);
    assert.equal((await request(url + '/_control/stats')).status, 404);
    assert.equal((await request(url + '/_control/publish', { method: 'POST', body: '{"data":"x"}' })).status, 404);
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
  });

  test('SIGINT (Ctrl-C) ends it with 0 too', async (t) => {
    const { child } = await startCli(t);
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    child.kill('SIGINT');
    assert.deepEqual(await exited, [0, null]);
  });

  test('--controls serves the test controls', async (t) => {
    const { url } = await startCli(t, ['--controls']);
    const published = await request(url + '/_control/publish', { method: 'POST', body: '{"data":"x"}' });
    assert.deepEqual([published.status, JSON.parse(published.body)], [200, { id: '1' }]);
    const stats = JSON.parse((await request(url + '/_control/stats')).body);
    assert.deepEqual(stats.connections, { websocket: 0, sse: 0, streaming: 0, longpoll: 0 });
    assert.equal((await request(url + '/_control/received')).status, 200);
  });

  test('--path mounts the endpoints there and says so; the demo, the bundles and the controls stay at the root', async (t) => {
    const { lines, url } = await startCli(t, ['--path', '/realtime', '--controls'], 3);
    assert.equal(lines[1], `endpoints at ${url}/realtime: Pushline.connect('/realtime') from a page served here`);
    assert.equal(lines[2], `demo page: ${url}/?endpoint=%2Frealtime`);
    assert.equal(JSON.parse((await request(url + '/realtime/poll')).body)[0].type, 'open');
    assert.equal((await request(url + '/poll')).status, 404);
    assert.equal((await request(url + '/')).status, 200);
    assert.equal((await request(url + '/pushline.min.js')).status, 200);
    assert.equal((await request(url + '/_control/publish', { method: 'POST', body: '{"data":"x"}' })).status, 200);
  });

  test('--static serves that folder instead of the demo, and its own copy of a bundle wins; no demo link is printed', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pushline-cli-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'index.html'), '<p>mine</p>');
    await writeFile(path.join(dir, 'pushline.min.js'), '/* my copy */');
    const { child, lines, url } = await startCli(t, ['--static', dir, '--path', '/rt'], 2);
    let more = '';
    child.stdout.on('data', (d) => (more += d));
    assert.equal((await request(url + '/')).body, '<p>mine</p>');
    assert.equal((await request(url + '/pushline.min.js')).body, '/* my copy */');
    assert.equal((await request(url + '/pushline.full.min.js')).body, await readFile(path.join(ROOT, 'dist/pushline.full.min.js'), 'utf8'));
    assert.match(lines[1], /^endpoints at /);
    assert.equal(more, '');
  });

  test('--history, --heartbeat, --poll-timeout and --retry reach the server', async (t) => {
    const { url } = await startCli(t, ['--history', '1', '--heartbeat', '0', '--poll-timeout', '40', '--retry', '1234', '--controls']);
    const [open] = JSON.parse((await request(url + '/poll')).body);
    assert.equal(open.retry, 1234);
    // A held poll comes back with a ping after 40 ms instead of 25 s.
    assert.deepEqual(JSON.parse((await request(`${url}/poll?session=${open.session}`)).body), [{ type: 'ping' }]);
    // heartbeat 0: the open frame of a stream announces no pings.
    const sse = await new Promise((resolve, reject) => {
      const req = http.get(url + '/sse', { agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
          const m = /^data: (.*)$/m.exec(text);
          if (m) {
            req.destroy();
            resolve(JSON.parse(m[1]));
          }
        });
      });
      req.on('error', reject);
    });
    assert.equal(sse.heartbeat, 0);
    // history 1: one message is kept, so a resume works from the id just before it and no older.
    const ids = JSON.parse((await request(url + '/_control/publish', { method: 'POST', body: '[{"data":"a"},{"data":"b"},{"data":"c"}]' })).body).ids;
    const resumed = JSON.parse((await request(`${url}/poll?lastEventId=${ids[1]}`)).body);
    assert.deepEqual([resumed[0].resumed, resumed.slice(1).map((m) => m.data)], [true, ['c']]);
    const gap = JSON.parse((await request(`${url}/poll?lastEventId=${ids[0]}`)).body);
    assert.deepEqual([gap[0].resumed, gap[0].gap, gap.length], [false, true, 1]);
  });

  test('--help lists every flag with its default, the exit statuses, and says the controls are unauthenticated; exit 0', async () => {
    const { code, stdout, stderr } = await runCli(['--help']);
    assert.equal(code, 0);
    assert.equal(stderr, '');
    assert.match(stdout, /^usage: pushline-server \[options\]/);
    const entries = stdout.split('\n');
    for (const flag of FLAGS) {
      const at = entries.findIndex((l) => new RegExp(`^  (-h, )?${flag}\\b`).test(l));
      assert.ok(at >= 0, `${flag} is listed`);
      // An entry runs until the next line that starts a flag or a blank line.
      let entry = entries[at];
      for (let i = at + 1; i < entries.length && /^ {6,}\S/.test(entries[i]); i++) entry += ' ' + entries[i].trim();
      if (flag !== '--help') assert.match(entry, /\[[^\]]+\]$/, `${flag} ends with its default in brackets: ${entry}`);
    }
    assert.match(stdout, /--port N .*\[8787\]/);
    assert.match(stdout, /--controls .*Unauthenticated/s);
    assert.match(stdout, /exit status: 0 .*; 1 .*; 2 usage error/s);
    assert.deepEqual(await runCli(['-h']), { code: 0, signal: null, stdout, stderr: '' });
  });

  describe('usage errors: exit 2 with a message naming the flag, before anything listens', () => {
    const cases = [
      [['--port', 'abc'], /^pushline-server: --port expects a whole number, got "abc"$/m],
      [['--port', '99999'], /^pushline-server: --port must be an integer from 0 to 65535, got 99999$/m],
      [['--port', '-1'], /--port/],
      [['--port'], /--port/],
      [['--history', '1.5'], /^pushline-server: --history expects a whole number, got "1.5"$/m],
      [['--poll-timeout', '0'], /^pushline-server: --poll-timeout must be a number from 1 to \d+, got 0$/m],
      [['--heartbeat', '99999999999'], /^pushline-server: --heartbeat must be a number from 0 to \d+/m],
      [['--retry', 'soon'], /--retry expects a whole number/],
      [['--static', '/nonexistent/pushline'], /^pushline-server: --static: no such folder: \/nonexistent\/pushline$/m],
      [['--static', CLI], /^pushline-server: --static: not a folder: /m],
      [['--path', 'realtime'], /^pushline-server: --path must be a URL path starting with a single '\/'/m],
      [['--path', '/a/../b'], /^pushline-server: --path must be a plain URL path/m],
      [['--bogus'], /Unknown option '--bogus'/],
      [['serve'], /Unexpected argument 'serve'/],
    ];
    for (const [args, message] of cases) {
      test(args.join(' '), async () => {
        const { code, stdout, stderr } = await runCli(['--port', '0', ...args]);
        assert.equal(code, 2, stderr);
        assert.equal(stdout, '', 'nothing listened');
        assert.match(stderr, message);
        assert.match(stderr, /^usage: pushline-server \[options\] +\(pushline-server --help lists them\)$/m);
      });
    }
  });

  test('a port in use: exit 1 with a hint', async (t) => {
    const taken = net.createServer();
    await new Promise((resolve) => taken.listen(0, '127.0.0.1', resolve));
    t.after(() => taken.close());
    const { port } = taken.address();
    const { code, stdout, stderr } = await runCli(['--port', String(port)]);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(stderr, `pushline-server: port ${port} is in use: pass --port 0 for a free one, or stop the other server\n`);
  });

  test('a host that is not this machine: exit 1 with a hint', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    const { code, stderr } = await runCli(['--port', '0', '--host', '192.0.2.1']);
    assert.equal(code, 1);
    assert.equal(stderr, 'pushline-server: cannot listen on host "192.0.2.1": not an address of this machine; try --host 127.0.0.1\n');
  });
});
