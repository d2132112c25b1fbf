// An imitated network: one small HTTP proxy, put in front of each system's own server (Pushline's
// reference server, engine.io, sockjs), so that every system meets the same hostile conditions.
//
// Requests are sorted into transport classes by a per-system classifier:
//   websocket  every WebSocket upgrade
//   sse        EventSource streams (Pushline /sse, sockjs …/eventsource)
//   streaming  other long-held streamed responses (Pushline /stream, sockjs …/xhr_streaming, …/htmlfile)
//   polling    complete responses a client asks for again (Pushline /poll, engine.io polling, sockjs …/xhr, …/jsonp)
//   other      pages, scripts, handshakes and sends: always carried as they are
// and each class can be given a mode:
//   refuse     answer 502 like a proxy that will not carry it (a raw 502 to an upgrade); the server never sees it
//   hang       accept the connection and never answer
//   buffer     send the status and headers at once (an upgrade completes), then hold every body byte / frame
//              until the response ends, like a buffering proxy or antivirus. A polling response is complete
//              when the server writes it, so buffering changes nothing for it: that is why clients fall back
//              to polling.
// Without a mode, bytes go through as they come (Nagle off on both sides, headers flushed at once).
//
// Binds 127.0.0.1 on a free port; close() ends every connection it holds, hung ones included.
import http from 'node:http';
import net from 'node:net';

export const CLASSES = ['websocket', 'sse', 'streaming', 'polling'];
export const MODES = ['refuse', 'hang', 'buffer'];

const BAD_GATEWAY_HTML = '<html><body><h1>502 Bad Gateway</h1></body></html>';
const HEAD_END = Buffer.from('\r\n\r\n');
// Connection-level headers are the proxy's own business on each side (RFC 9110 §7.6.1); the length
// framing is left to Node, which re-frames the body it writes.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

const PUSHLINE_PATHS = new Map([['/ws', 'websocket'], ['/sse', 'sse'], ['/stream', 'streaming'], ['/poll', 'polling']]);
const SOCKJS_TRANSPORTS = new Map([
  ['websocket', 'websocket'],
  ['eventsource', 'sse'],
  ['xhr_streaming', 'streaming'],
  ['htmlfile', 'streaming'],
  ['xhr', 'polling'],
  ['jsonp', 'polling'],
]);

/** Per system: (pathname, searchParams) → transport class. Upgrades are always 'websocket'. */
export const CLASSIFIERS = {
  pushline: (path) => PUSHLINE_PATHS.get(path) ?? 'other',
  'engine.io': (path, query) => {
    if (path !== '/engine.io/') return 'other';
    const transport = query.get('transport');
    return transport === 'websocket' ? 'websocket' : transport === 'polling' ? 'polling' : 'other';
  },
  /** sockjs with its prefix: /prefix/<server>/<session>/<transport>, /prefix/websocket (raw), /prefix/info. */
  sockjs: (path, _query, prefix = '/sockjs') => {
    if (!path.startsWith(prefix + '/')) return 'other';
    const parts = path.slice(prefix.length + 1).split('/');
    if (parts.length === 1) return parts[0] === 'websocket' ? 'websocket' : 'other';
    if (parts.length === 3) return SOCKJS_TRANSPORTS.get(parts[2]) ?? 'other'; // xhr_send, jsonp_send: 'other'
    return 'other';
  },
};

/**
 * startProxy({ target: 'http://127.0.0.1:PORT', classify: CLASSIFIERS.pushline })
 *   → { url, set(conditions), counts(), close() }
 * set({ websocket: 'hang', sse: 'buffer' }) replaces the whole condition; set({}) carries everything.
 */
export async function startProxy({ target, classify }) {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const held = new Set(); // sockets the proxy keeps open on purpose ('hang'), and live upgrades
  let conditions = {};
  const seen = {}; // requests per class and mode, so a run can show the condition was met

  const server = http.createServer({ noDelay: true });
  const note = (cls, mode) => {
    const key = mode ? `${cls} ${mode}` : cls;
    seen[key] = (seen[key] ?? 0) + 1;
  };
  const classOf = (req, upgrade) => {
    if (upgrade) return 'websocket';
    const url = new URL(req.url, 'http://proxy');
    return classify(url.pathname, url.searchParams);
  };
  const keep = (socket) => {
    held.add(socket);
    socket.once('close', () => held.delete(socket));
  };

  server.on('request', (req, res) => {
    const cls = classOf(req, false);
    const mode = conditions[cls] ?? null;
    note(cls, mode);
    if (mode === 'refuse') {
      req.resume();
      res.writeHead(502, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(BAD_GATEWAY_HTML), 'Cache-Control': 'no-store' });
      res.end(BAD_GATEWAY_HTML);
      return;
    }
    if (mode === 'hang') {
      req.resume();
      keep(req.socket);
      return;
    }
    const headers = withoutHopByHop(req.headers);
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent });
    out.on('socket', (s) => s.setNoDelay(true));
    out.on('response', (answer) => {
      res.writeHead(answer.statusCode, answer.statusMessage, withoutHopByHop(answer.headers));
      res.flushHeaders();
      const held = [];
      answer.on('data', (chunk) => (mode === 'buffer' ? held.push(chunk) : res.write(chunk)));
      answer.on('end', () => res.end(Buffer.concat(held)));
      answer.on('error', () => {});
      // The server cut the response short (srv.drop()): the browser sees the same, after what was held.
      answer.on('close', () => {
        if (answer.complete) return;
        if (held.length) res.write(Buffer.concat(held), () => res.destroy());
        else res.destroy();
      });
    });
    out.on('error', () => {
      if (res.headersSent) return; // then the response's own 'close' passes the cut on
      res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8' }).end('proxy: the server did not answer\n');
    });
    // The browser gave up (page closed, client aborted): let the server see it as well.
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(out);
  });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    socket.setNoDelay(true);
    const mode = conditions.websocket ?? null;
    note('websocket', mode);
    if (mode === 'refuse') {
      socket.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(BAD_GATEWAY_HTML)}\r\nConnection: close\r\n\r\n${BAD_GATEWAY_HTML}`);
      return;
    }
    keep(socket);
    if (mode === 'hang') return;
    const out = net.connect({ host: upstream.hostname, port: Number(upstream.port), noDelay: true });
    keep(out);
    socket.on('close', () => out.destroy());
    // The upgrade request as the browser sent it (raw header names and order), then what followed it.
    let requestHead = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (let i = 0; i < req.rawHeaders.length; i += 2) requestHead += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
    out.write(requestHead + '\r\n');
    if (head.length) out.write(head);
    socket.pipe(out);
    // Buffered: the response head (the 101) goes through, every byte after it waits for the end of the
    // connection. Unbuffered, the head is simply not looked for.
    let pending = Buffer.alloc(0);
    let headSent = mode !== 'buffer';
    const held = [];
    out.on('data', (chunk) => {
      if (mode !== 'buffer') return void socket.write(chunk);
      if (headSent) return void held.push(chunk);
      pending = Buffer.concat([pending, chunk]);
      const end = pending.indexOf(HEAD_END);
      if (end < 0) return;
      headSent = true;
      socket.write(pending.subarray(0, end + HEAD_END.length));
      if (pending.length > end + HEAD_END.length) held.push(pending.subarray(end + HEAD_END.length));
    });
    // However the server's side ends (FIN, reset, or no server at all), the browser's side ends after
    // whatever was held.
    out.on('error', () => {});
    out.once('close', () => socket.end(Buffer.concat(held)));
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}`,
    /** Replaces the condition: { class: mode } for the classes to interfere with. */
    set(next) {
      for (const [cls, mode] of Object.entries(next)) {
        if (!CLASSES.includes(cls)) throw new TypeError(`unknown transport class: ${cls}`);
        if (!MODES.includes(mode)) throw new TypeError(`unknown mode: ${mode}`);
      }
      conditions = { ...next };
    },
    /** Requests seen since the last call, by "class mode" (e.g. { 'websocket hang': 1, polling: 3 }). */
    counts() {
      const copy = { ...seen };
      for (const k of Object.keys(seen)) delete seen[k];
      return copy;
    },
    /** Ends every connection on both sides (hung ones too) and stops listening. */
    async close() {
      for (const s of held) s.destroy();
      held.clear();
      server.closeAllConnections();
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function withoutHopByHop(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}
