/**
 * The test controls over HTTP (PROTOCOL.md, "Reference-server test controls"), for tests and
 * demos that run in a browser and cannot call srv.publish() and friends:
 *
 *   POST /_control/publish  {"data","event"?} → {"id"}, or an array of them → {"ids"}
 *   POST /_control/drop     → 204
 *   POST /_control/block    {"transport","mode"} → 204
 *   POST /_control/lose     {"transport","count"} → 204
 *   GET  /_control/received[?prefix=P] → what clients sent, oldest first (the newest 1,000, or every one starting with P)
 *   GET  /_control/stats    → {"requests", "connections"}
 *
 * They are unauthenticated: anyone who reaches the server could publish or cut connections. So
 * the server routes here only when created with `controls: true` (CLI `--controls`); otherwise
 * these paths are unknown paths like any other.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BLOCK_MODES, type BlockMode } from './faults.js';
import { json, plain, readBody } from './http.js';
import type { MessageInfo, PushlineServer } from './index.js';
import { TRANSPORTS, type TransportName } from './protocol.js';

export const CONTROL_PREFIX = '/_control/';

/**
 * Client messages kept for GET received (a test counts thousands of them); twice as many are
 * kept so that trimming is rare.
 */
const RECEIVED_KEPT = 50000;
/** What GET received returns without a `prefix`: the newest ones. */
const RECEIVED_SHOWN = 1000;

/** What the controls act on: the in-process API. */
export type Controlled = Pick<PushlineServer, 'publish' | 'drop' | 'block' | 'lose' | 'connections' | 'stats'>;

interface Received extends MessageInfo {
  data: string;
}

interface Publishable {
  data: string;
  event?: string | null;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isPublishable(x: unknown): x is Publishable {
  return isObject(x) && typeof x.data === 'string' && (x.event == null || typeof x.event === 'string');
}

export class Controls {
  private readonly received: Received[] = [];

  /** `maxBodySize`: the largest request body read, in bytes (413 beyond). */
  constructor(
    private readonly server: Controlled,
    private readonly maxBodySize: number,
  ) {}

  /** Keeps a client message for GET received. */
  record(data: string, info: MessageInfo): void {
    this.received.push({ data, ...info });
    if (this.received.length > 2 * RECEIVED_KEPT) this.received.splice(0, this.received.length - RECEIVED_KEPT);
  }

  /** Handles the control `name` (the path after CONTROL_PREFIX). */
  async handle(req: IncomingMessage, res: ServerResponse, name: string, query: URLSearchParams): Promise<void> {
    const route = `${req.method} ${name}`;
    if (route === 'GET received') {
      // ?prefix=: every kept message whose data starts with it (a test's own), else the newest.
      const prefix = query.get('prefix');
      return json(res, 200, prefix === null ? this.received.slice(-RECEIVED_SHOWN) : this.received.filter((r) => r.data.startsWith(prefix)));
    }
    if (route === 'GET stats') return json(res, 200, { requests: this.server.stats, connections: this.server.connections() });
    if (!['publish', 'drop', 'block', 'lose'].includes(name)) return plain(res, 404, 'unknown control');
    if (req.method !== 'POST') return plain(res, 405, 'POST only', { Allow: 'POST, OPTIONS' });
    // Read (and so size-checked) for every POST, drop included, before acting.
    const text = (await readBody(req, this.maxBodySize)).toString('utf8');
    if (name === 'drop') {
      this.server.drop();
      return void res.writeHead(204).end();
    }
    let input: unknown;
    try {
      input = JSON.parse(text || 'null');
    } catch {
      return plain(res, 400, 'body is not JSON');
    }
    if (name === 'publish') return this.publish(res, input);
    if (name === 'lose') return this.lose(res, input);
    return this.block(res, input);
  }

  /** One message {data, event?} → {"id"}, or an array of them → {"ids"}, published together (or none, if one is bad). */
  private publish(res: ServerResponse, input: unknown): void {
    const list = Array.isArray(input) ? input : [input];
    if (!list.every(isPublishable)) return plain(res, 400, 'expected {"data": string, "event"?: string} or an array of them');
    const ids = list.map((m: Publishable) => this.server.publish(m.data, m.event == null ? {} : { event: m.event }));
    json(res, 200, Array.isArray(input) ? { ids } : { id: ids[0] });
  }

  private lose(res: ServerResponse, input: unknown): void {
    const fields: Record<string, unknown> = isObject(input) ? input : {};
    const count = fields.count;
    if (!TRANSPORTS.includes(fields.transport as TransportName) || !Number.isInteger(count) || (count as number) < 0) {
      return plain(res, 400, 'expected {"transport": "websocket"|"sse"|"streaming"|"longpoll", "count": integer >= 0}');
    }
    this.server.lose(fields.transport as TransportName, count as number);
    res.writeHead(204).end();
  }

  private block(res: ServerResponse, input: unknown): void {
    const fields: Record<string, unknown> = isObject(input) ? input : {};
    const transport = fields.transport;
    const mode = fields.mode ?? null; // absent means null: lift the block
    if (!TRANSPORTS.includes(transport as TransportName) || (mode !== null && !BLOCK_MODES.includes(mode as BlockMode))) {
      return plain(res, 400, 'expected {"transport": "websocket"|"sse"|"streaming"|"longpoll", "mode": "refuse"|"hang"|"buffer"|"busy"|null}');
    }
    this.server.block(transport as TransportName, mode as BlockMode | null);
    res.writeHead(204).end();
  }
}
