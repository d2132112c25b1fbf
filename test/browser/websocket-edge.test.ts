/** WebSocket edge cases the real server cannot easily produce, with mock-socket. */
import { expect } from 'chai';
import { Server, WebSocket as MockWebSocket } from 'mock-socket/dist/mock-socket.es.mjs';
import { connect } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { CloseEvent as PlClose, FallbackEvent, OpenEvent, PushlineError, ReconnectingEvent } from '../../src/types.js';
import { next, waitFor } from './helpers.js';

const BASE = 'http://mock.invalid/rt';
const WS_URL = 'ws://mock.invalid/rt/ws';
const OPEN = JSON.stringify({ type: 'open', session: 's1', resumed: false, last: null, heartbeat: 15000 });

describe('WebSocket edge cases (mock-socket)', () => {
  let server: Server | null = null;
  let client: Client | null = null;
  const realWebSocket = window.WebSocket;
  beforeEach(() => {
    (window as { WebSocket: unknown }).WebSocket = MockWebSocket;
  });
  afterEach(() => {
    client?.close();
    server?.stop();
    server = null;
    (window as { WebSocket: unknown }).WebSocket = realWebSocket;
  });

  /** A mock server that speaks the Pushline open frame, then runs `then` on the socket. */
  function serve(then?: (socket: { send(d: string): void; close(o?: { code: number; reason: string }): void }) => void) {
    server = new Server(WS_URL);
    server.on('connection', (socket) => {
      socket.send(OPEN);
      then?.(socket as never);
    });
  }

  for (const [code, stops] of [[1000, false], [1001, false], [1011, false], [1008, true], [4001, true]] as const) {
    it(`close code ${code} after open ${stops ? 'stops with an error' : 'reconnects'}`, async () => {
      let connections = 0;
      serve((socket) => {
        if (++connections === 1) setTimeout(() => socket.close({ code, reason: 'bye' }), 20);
      });
      client = connect(BASE, { transports: ['websocket'], reconnect: { initialDelay: 20, jitter: 0 } });
      await next<OpenEvent>(client, 'open');
      if (stops) {
        const closing = next<PlClose>(client, 'close');
        const err = await next<PushlineError>(client, 'error');
        expect(err.closeCode).to.equal(code);
        const closed = await closing;
        expect(closed.error).to.equal(err);
        expect(client.state).to.equal('closed');
      } else {
        const r = await next<ReconnectingEvent>(client, 'reconnecting');
        expect(r.error.closeCode).to.equal(code);
        expect((await next<OpenEvent>(client, 'open')).transport).to.equal('websocket');
        expect(connections).to.equal(2);
      }
    });
  }

  it('an error before open falls back to the next transport as refused', async () => {
    // The server refuses the handshake: the browser reports error, then close (1006).
    server = new Server(WS_URL, { verifyClient: () => false });
    client = connect(BASE, { transports: ['websocket', 'longpoll'], endpoints: { longpoll: 'http://127.0.0.1:9/poll' }, reconnect: false });
    const f = await next<FallbackEvent>(client, 'fallback');
    expect(f).to.include({ transport: 'websocket', reason: 'refused', next: 'longpoll' });
  });

  it('a binary frame and a non-JSON frame are protocol errors that reconnect', async () => {
    let n = 0;
    serve((socket) => {
      n++;
      if (n === 1) setTimeout(() => socket.send('<html>proxy error</html>'), 10);
    });
    client = connect(BASE, { transports: ['websocket'], reconnect: { initialDelay: 20, jitter: 0 } });
    const err = await next<PushlineError>(client, 'error');
    expect(err.code).to.equal('protocol');
    await next<OpenEvent>(client, 'open');
    expect(n).to.equal(2);
  });

  it('a message larger than maxMessageSize is reported with its id and skipped, the stream goes on', async () => {
    let n = 0;
    serve((socket) => {
      n++;
      setTimeout(() => {
        socket.send(JSON.stringify({ id: '1', data: 'x'.repeat(5000) }));
        socket.send(JSON.stringify({ id: '2', data: 'small' }));
      }, 10);
    });
    client = connect(BASE, { transports: ['websocket'], maxMessageSize: 1000, reconnect: { initialDelay: 20, jitter: 0 } });
    const got: string[] = [];
    client.on('message', (m) => got.push(m.id));
    const err = await next<PushlineError>(client, 'error');
    expect(err.code).to.equal('too-large');
    expect(err.id).to.equal('1');
    await waitFor(() => got.length === 1, 'the next message');
    expect(got).to.deep.equal(['2']);
    expect(n).to.equal(1); // no reconnection: a resume would only bring the same message back
  });

  it('honours the reconnection time the server announces in its open frame', async () => {
    server = new Server(WS_URL);
    let n = 0;
    server.on('connection', (socket) => {
      socket.send(JSON.stringify({ type: 'open', session: 's', resumed: false, last: null, retry: 700 }));
      if (++n === 1) setTimeout(() => socket.close({ code: 1011, reason: 'restart', wasClean: true }), 10);
    });
    client = connect(BASE, { transports: ['websocket'], reconnect: { initialDelay: 10, jitter: 0 } });
    const r = await next<ReconnectingEvent>(client, 'reconnecting');
    expect(r.delay).to.equal(700);
  });

  it('drops a duplicate id that a server replays', async () => {
    serve((socket) => {
      for (const id of ['1', '2', '2', '1', '3']) socket.send(JSON.stringify({ id, data: 'd' + id }));
    });
    client = connect(BASE, { transports: ['websocket'] });
    const got: string[] = [];
    client.on('message', (m) => got.push(m.id));
    await waitFor(() => got.length >= 3, 'three messages');
    expect(got).to.deep.equal(['1', '2', '3']);
  });
});
