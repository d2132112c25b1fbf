/**
 * A fake transport and clock for the client's policy tests: the test plays the server, frame by
 * frame, and moves time by hand (node:test's mock timers, Date included), so that fallback,
 * backoff, budget and resume are checked in milliseconds without a browser or a network.
 */
import { afterEach, beforeEach, mock } from 'node:test';
import { Client } from '../../src/client.js';
import { pushlineError } from '../../src/errors.js';
import type { ClientSettings } from '../../src/options.js';
import type { OpenFrame } from '../../src/parse/frame.js';
import type { OutgoingMessage } from '../../src/outbox.js';
import type { Sending, Transport, TransportEvents, TransportFactory, TransportRequest } from '../../src/transports/transport.js';
import { writeMessages } from '../../src/transports/websocket.js';
import type { ClientEvents, ErrorCode, PushlineError } from '../../src/types.js';

export const BASE = 'http://server.test/rt';

/** One connection the client opened over a fake transport; the test answers for the server. */
export class FakeConnection {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly sent: string[] = [];
  closed = false;
  /** Whether the transport writes sends itself (as a WebSocket), or leaves them to the test. */
  duplex: boolean;
  /** What the client last asked this connection to send. */
  sending: Sending | null = null;

  constructor(
    readonly transport: string,
    readonly request: TransportRequest,
    private readonly events: TransportEvents,
    duplex: boolean,
  ) {
    this.url = request.url();
    this.headers = request.headers();
    this.duplex = duplex;
  }

  /** The server answered (socket open, or HTTP headers). */
  responded(): this {
    this.events.responded();
    return this;
  }

  /** The server's open frame. */
  open(fields: Partial<OpenFrame> = {}): this {
    this.events.responded();
    this.events.frame({ type: 'open', session: 's1', resumed: false, last: null, gap: false, retry: null, ...fields });
    return this;
  }

  message(id: string, data = 'data ' + id, event = 'message'): this {
    this.events.frame({ type: 'message', id, data, event });
    return this;
  }

  /** A message frame that names the message before it on the server's stream. */
  messageAfter(prev: string | null, id: string, data = 'data ' + id): this {
    this.events.frame({ type: 'message', id, prev, data, event: 'message' });
    return this;
  }

  ping(): this {
    this.events.frame({ type: 'ping' });
    return this;
  }

  /** The server acknowledges every message of `sender` up to `seq` (an ack frame or a POST answer). */
  ack(sender: string, seq: number): this {
    this.events.acknowledged(sender, seq);
    return this;
  }

  /** A send failed: `refused` are the messages the server refused for good, null to keep them. */
  sendFailed(status: number, refused: OutgoingMessage[]): this {
    this.events.sendFailed(pushlineError('send-failed', 'send: HTTP ' + status, this.transport, { status }), refused);
    return this;
  }

  /** Something that is not a frame. */
  garbage(): this {
    this.events.frame(null);
    return this;
  }

  /** The connection ends with this error (refused before open, closed after). */
  end(code: ErrorCode, extra?: { status?: number; closeCode?: number; retryAfter?: number; id?: string }): void {
    this.events.end(pushlineError(code, 'fake ' + code, this.transport, extra));
  }
}

/** A transport whose connections the test drives; `connections` lists them in order. */
export interface FakeTransport extends TransportFactory {
  connections: FakeConnection[];
  /** The newest connection. */
  readonly last: FakeConnection;
}

export function fakeTransport(name: string, options: { supported?: boolean; duplex?: boolean } = {}): FakeTransport {
  const connections: FakeConnection[] = [];
  return {
    name,
    path: '/' + name,
    connections,
    get last() {
      const connection = connections[connections.length - 1];
      if (!connection) throw new Error('no ' + name + ' connection was opened');
      return connection;
    },
    supported: () => options.supported !== false,
    open(request, events): Transport {
      const connection = new FakeConnection(name, request, events, !!options.duplex);
      connections.push(connection);
      return {
        send(sending) {
          if (connection.closed) return;
          connection.sending = sending;
          // A duplex fake writes frames as the WebSocket transport does; the others leave the
          // outbox to the test, which answers for the server's send endpoint.
          if (connection.duplex) {
            writeMessages(sending, events, (frame) => {
              connection.sent.push(frame);
              return true;
            });
          }
        },
        close() {
          connection.closed = true;
        },
      };
    },
  };
}

/** Every event of a client, in order, as [name, payload]. */
export type Recorded = [keyof ClientEvents, unknown][];

const EVENT_NAMES: (keyof ClientEvents)[] = ['open', 'message', 'gap', 'error', 'close', 'fallback', 'reconnecting'];

export function record(client: Client): Recorded {
  const events: Recorded = [];
  for (const name of EVENT_NAMES) client.on(name, (payload: unknown) => events.push([name, payload]));
  return events;
}

/** The payloads of one event, in order. */
export function payloads<K extends keyof ClientEvents>(events: Recorded, name: K): ClientEvents[K][] {
  return events.filter((event) => event[0] === name).map((event) => event[1] as ClientEvents[K]);
}

/** Starts mocked time at `start` ms (setTimeout, setInterval and Date). */
export function useFakeTime(start = 1_000_000): void {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: start });
}

export function restoreTime(): void {
  mock.timers.reset();
}

/**
 * Moves the mocked clock on, firing what falls due, 10 ms at a time: a timer set by a timer
 * that fired within one long tick would not fire in it.
 */
export function tick(ms: number): void {
  for (let left = ms; left > 0; left -= 10) mock.timers.tick(Math.min(10, left));
  if (ms === 0) mock.timers.tick(0);
}

/** The clients the current test made, closed after it. */
const clients: Client[] = [];

/** A client on fake transports; its first attempt starts after tick(0). Closed after the test. */
export function fakeClient(transports: FakeTransport[], options: Partial<ClientSettings> = {}): Client {
  const client = new Client(BASE, { reconnect: { jitter: 0 }, ...options, transports });
  clients.push(client);
  return client;
}

/** For a describe(): fake time in each test, and the test's clients closed after it. */
export function fakeTimeInEachTest(): void {
  beforeEach(() => useFakeTime());
  afterEach(() => {
    while (clients.length) clients.pop()!.close();
    restoreTime();
  });
}

/** The query parameters of a URL, as an object. */
export function query(url: string): Record<string, string> {
  const out: Record<string, string> = {};
  new URL(url).searchParams.forEach((value, name) => (out[name] = value));
  return out;
}

export type { PushlineError };
