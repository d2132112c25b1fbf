/**
 * The part every nchan adapter shares: which node to connect to, what URL to ask for, and how
 * nchan's events become Pushline frames.
 *
 * A factory carries its own subscriber URLs, one per nginx+nchan node (several nodes only make
 * sense when they share one Redis, so that message ids mean the same everywhere). It does not
 * use the client's endpoint path: from `req.url()` it keeps only the query parameters the client
 * added for the application (the `query` and `token` options), and asks nchan to resume with
 * `last_event_id`, the query parameter that nchan reads by default
 * (`nchan_subscriber_last_message_id $http_last_event_id $arg_last_event_id`).
 *
 * Nodes: an attempt starts at the preferred node and, while nothing has answered, moves to the
 * next node on an error or after `nodeTimeout` ms, so a dead node costs one failed connection
 * inside the attempt instead of a transport fallback. The node that answered becomes the
 * preferred one; when its connection ends, the next attempt starts at the node after it (the
 * failed node is tried last).
 */
import { pushlineError } from '../../errors.js';
import type { Frame } from '../../parse/frame.js';
import type { TransportEvents, TransportFactory, TransportRequest } from '../../transports/transport.js';
import type { PushlineError, TransportName } from '../../types.js';
import { withQuery } from '../../url.js';

/** What one connection to one node reports. Calls after `end` are ignored. */
export interface NodeSink {
  /** The node answered and holds the subscription: the connection is open. */
  open(): void;
  message(id: string, data: string): void;
  /** Liveness only (an nchan keep-alive or an empty long-poll answer). */
  ping(): void;
  /** Data that is not an nchan message (reported as a protocol error). */
  garbage(what: string): void;
  end(error: PushlineError): void;
}

export interface NodeConnection {
  send(data: string): boolean;
  close(): void;
}

/**
 * Opens one connection to one node. `url` carries the application's query; the connector adds
 * the cursor with nodeUrl(url, '', cursor).
 */
export type Connect = (url: string, cursor: string | null, req: TransportRequest, sink: NodeSink) => NodeConnection;

/** Query parameters the client adds for its own protocol: nchan gets `last_event_id` instead. */
const PUSHLINE_PARAMS: { [name: string]: true } = { lastEventId: true, session: true, delimiter: true };

/** The application's query parameters (options `query` and `token`) from the client's URL. */
export function applicationQuery(clientUrl: string): string {
  const noHash = clientUrl.split('#')[0];
  const q = noHash.indexOf('?');
  if (q < 0) return '';
  const kept: string[] = [];
  const pairs = noHash.slice(q + 1).split('&');
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i];
    if (!pair) continue;
    const eq = pair.indexOf('=');
    let name = eq < 0 ? pair : pair.slice(0, eq);
    try {
      name = decodeURIComponent(name);
    } catch (e) {
      // not ours to judge: keep it as it is
    }
    if (!PUSHLINE_PARAMS[name]) kept.push(pair);
  }
  return kept.join('&');
}

/** A node's subscriber URL with the application's query and the resume cursor. */
export function nodeUrl(base: string, appQuery: string, cursor: string | null): string {
  const noHash = base.split('#')[0];
  const url = appQuery ? noHash + (noHash.indexOf('?') < 0 ? '?' : '&') + appQuery : noHash;
  return withQuery(url, { last_event_id: cursor });
}

/**
 * The client's headers without `Last-Event-ID`: nchan's CORS preflight does not allow it (the
 * cursor goes in the query instead), and it would make every cross-origin request preflighted.
 */
export function copyHeaders(from: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = {};
  for (const k in from) if (k.toLowerCase() !== 'last-event-id') h[k] = from[k];
  return h;
}

export interface NodeOptions {
  /** Ms a node may take to answer before the next node is tried (only with several nodes). */
  nodeTimeout: number;
}

/**
 * A TransportFactory over one or more nodes. The synthesized `open` frame says `resumed: true`
 * when the client gave a cursor (nchan continues after it while it still has the message, see
 * docs/nchan.md on gaps); nchan has no session and announces no `last` id.
 */
export function nodeFactory(
  name: TransportName,
  nodes: string[],
  supported: () => boolean,
  options: NodeOptions,
  connect: Connect,
): TransportFactory {
  let preferred = 0;
  return {
    name,
    supported,
    open(req: TransportRequest, events: TransportEvents) {
      const cursor = req.cursor();
      const query = applicationQuery(req.url());
      const count = nodes.length;
      let index = preferred;
      let tried = 0;
      let attempt = 0;
      let opened = false;
      let live = true;
      let conn: NodeConnection | null = null;
      let timer: ReturnType<typeof setTimeout> | null = null;

      const clearTimer = () => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
      };
      const openFrame = (): Frame => ({ type: 'open', session: null, resumed: cursor !== null, last: null, gap: false, retry: null });
      const start = () => {
        const mine = ++attempt;
        const current = () => live && mine === attempt;
        const sink: NodeSink = {
          open() {
            if (!current() || opened) return;
            opened = true;
            clearTimer();
            preferred = index;
            events.responded();
            events.frame(openFrame());
          },
          message(id, data) {
            if (!current()) return;
            if (!opened) sink.open();
            if (current()) events.frame({ type: 'message', id, data, event: 'message' });
          },
          ping() {
            if (current() && opened) events.frame({ type: 'ping' });
          },
          garbage(what) {
            if (!current()) return;
            stop();
            events.end(pushlineError('protocol', name + ' (nchan) delivered ' + what, name));
          },
          end(error) {
            if (!current()) return;
            if (!opened && ++tried < count) return next();
            stop();
            if (opened) preferred = (index + 1) % count;
            events.end(error);
          },
        };
        if (count > 1 && tried < count - 1) {
          timer = setTimeout(() => {
            timer = null;
            sink.end(pushlineError('timeout', name + ' node did not answer within ' + options.nodeTimeout + ' ms', name));
          }, options.nodeTimeout);
        }
        try {
          const c = connect(nodeUrl(nodes[index], query, null), cursor, req, sink);
          // The connection may have failed (and the next node started) before connect returned.
          if (current()) conn = c;
          else c.close();
        } catch (e) {
          // Constructors throw for URLs the browser refuses (mixed content, a blocked port).
          sink.end(pushlineError('refused', name + ' could not start: ' + (e as Error).message, name));
        }
      };
      const next = () => {
        clearTimer();
        const old = conn;
        conn = null;
        if (old) old.close();
        index = (index + 1) % count;
        start();
      };
      const stop = () => {
        live = false;
        clearTimer();
        const old = conn;
        conn = null;
        if (old) old.close();
      };
      start();
      return {
        send: (data) => !!(live && opened && conn && conn.send(data)),
        close() {
          if (live) stop();
        },
      };
    },
  };
}
