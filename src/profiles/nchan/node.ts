/**
 * The part every nchan adapter shares: which node to connect to, what URL to ask for, and how
 * nchan's events become Pushline frames.
 *
 * A factory carries its own subscriber URLs, one per nginx+nchan node (several nodes only make
 * sense when they share one Redis, so that message ids mean the same everywhere). It does not
 * use the client's endpoint: it puts the application's `query` option on its node URL, and asks
 * nchan to resume with `last_event_id`, the query parameter that nchan reads by default
 * (`nchan_subscriber_last_message_id $http_last_event_id $arg_last_event_id`).
 *
 * Nodes: an attempt starts at the preferred node and, while nothing has answered, moves to the
 * next node on an error or after `nodeTimeout` ms, so a dead node costs one failed connection
 * inside the attempt instead of a transport fallback. The node that answered becomes the
 * preferred one; when its connection ends, the next attempt starts at the node after it (the
 * failed node is tried last).
 *
 * Gaps: nchan does not say when it cannot resume; resume.ts finds what the ids can show, and
 * this file reports it as Pushline's open frame with `gap: true` before the message that
 * follows the hole.
 */
import { pushlineError } from '../../errors.js';
import { HttpSender } from '../../io/http-send.js';
import { writeMessages } from '../../transports/websocket.js';
import type { OpenFrame } from '../../parse/frame.js';
import { ConnectionLife, type Query, type TransportEvents, type TransportFactory, type TransportRequest } from '../../transports/transport.js';
import type { PushlineError, TransportName } from '../../types.js';
import { withQuery } from '../../url.js';
import { Continuity, planResume, type RecentMessages } from './resume.js';

/** What one connection to one node reports. Calls after `end` are ignored. */
export interface NodeSink {
  /** The node answered and holds the subscription: the connection is open. */
  open(): void;
  /** A message, with nchan's id or a position id (parse.ts) when nchan gave it none. */
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
 * Opens one connection to one node. `url` is the node's subscriber URL with the application's
 * query; the connector asks nchan to continue after `cursor` (which resume.ts chose: not always
 * the client's) and adds it (and the token where it cannot send headers) with subscriberUrl().
 */
export type Connect = (url: string, cursor: string | null, request: TransportRequest, sink: NodeSink) => NodeConnection;

/** A subscriber URL asking nchan to resume after `cursor`, with `extra` parameters. */
export function subscriberUrl(url: string, cursor: string | null, extra?: Query): string {
  const query: Query = { last_event_id: cursor };
  for (const name in extra) query[name] = extra[name];
  return withQuery(url.split('#')[0], query);
}

/**
 * The client's headers without `Last-Event-ID`: nchan's CORS preflight does not allow it (the
 * cursor goes in the query instead), and it would make every cross-origin request preflighted.
 */
export function copyHeaders(from: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in from) if (name.toLowerCase() !== 'last-event-id') headers[name] = from[name];
  return headers;
}

export interface NodeOptions {
  /** Ms a node may take to answer before the next node is tried (only with several nodes). */
  nodeTimeout: number;
  /** The connector may deliver messages that nchan gave no id (long-poll batches). */
  unnamedMessages: boolean;
  /** What the nchan connections of this client delivered last, shared by its transports. */
  recent: RecentMessages;
}

/**
 * A TransportFactory over one or more nodes. The synthesized `open` frame says `resumed: true`
 * when the client gave a cursor, unless the first message already shows a gap; nchan has no
 * session and announces no `last` id.
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
    path: '',
    supported,
    open(request: TransportRequest, events: TransportEvents) {
      const cursor = request.cursor();
      const query = request.applicationQuery();
      const count = nodes.length;
      let index = preferred;
      /** Nodes tried in this attempt that failed before answering. */
      let failedNodes = 0;
      /** Bumped per node connection: callbacks of an older one are ignored. */
      let nodeAttempt = 0;
      let opened = false;
      let connection: NodeConnection | null = null;
      let nodeTimer: ReturnType<typeof setTimeout> | undefined;

      const closeNode = () => {
        clearTimeout(nodeTimer);
        const old = connection;
        connection = null;
        if (old) old.close();
      };
      // nchan does not acknowledge: a message is done once a publishing WebSocket (nchan_pubsub)
      // has written it, or once the publisher location has answered its POST (docs/nchan.md).
      const life = new ConnectionLife(events, () => {
        publisher.close();
        closeNode();
      });
      const publisher = new HttpSender(name, request, events, life);
      const plan = planResume(cursor, options.recent, options.unnamedMessages);
      const openFrame: OpenFrame = { type: 'open', session: null, resumed: cursor !== null, last: null, gap: false, retry: null };
      const start = () => {
        const mine = ++nodeAttempt;
        const current = () => life.live && mine === nodeAttempt;
        const continuity = new Continuity(cursor, plan, options.recent);
        /**
         * Messages are missing before the next one. The client emits `gap` for an open frame that
         * says so, also on a connection that is open already.
         */
        const reportGap = () => {
          if (opened) {
            events.frame({ type: 'open', session: null, resumed: false, last: null, gap: true, retry: null });
          } else {
            openFrame.resumed = false;
            openFrame.gap = true;
            sink.open();
          }
        };
        const sink: NodeSink = {
          open() {
            if (!current() || opened) return;
            opened = true;
            clearTimeout(nodeTimer);
            preferred = index;
            events.responded();
            events.frame(openFrame);
          },
          message(id, data) {
            if (!current()) return;
            const verdict = continuity.check(id, data);
            if (verdict === 'gap') reportGap();
            else if (!opened) sink.open();
            if (verdict === 'drop' || !current()) return;
            events.frame({ type: 'message', id, data, event: 'message' });
            options.recent.record(id, data);
          },
          ping() {
            if (current() && opened) events.frame({ type: 'ping' });
          },
          garbage(what) {
            if (current()) life.end(pushlineError('protocol', name + ' (nchan) delivered ' + what, name));
          },
          end(error) {
            if (!current()) return;
            if (!opened && ++failedNodes < count) return tryNextNode();
            if (opened) preferred = (index + 1) % count;
            life.end(error);
          },
        };
        if (count > 1 && failedNodes < count - 1) {
          nodeTimer = setTimeout(() => {
            sink.end(pushlineError('timeout', name + ' node did not answer within ' + options.nodeTimeout + ' ms', name));
          }, options.nodeTimeout);
        }
        try {
          const started = connect(withQuery(nodes[index].split('#')[0], query), plan.ask, request, sink);
          // The connection may have failed (and the next node started) before connect returned.
          if (current()) connection = started;
          else started.close();
        } catch (e) {
          // Constructors throw for URLs the browser refuses (mixed content, a blocked port).
          sink.end(pushlineError('refused', name + ' could not start: ' + (e as Error).message, name));
        }
      };
      const tryNextNode = () => {
        closeNode();
        index = (index + 1) % count;
        start();
      };
      start();
      return {
        send(sending) {
          const open = connection;
          if (!life.live || !opened || !open) return;
          if (!writeMessages(sending, events, (data) => open.send(data))) publisher.send(sending);
        },
        close: () => life.close(),
      };
    },
  };
}
