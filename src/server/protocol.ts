/**
 * The protocol's state, transport-neutral (PROTOCOL.md): the endpoint paths, the one channel
 * every client subscribes to (its history and its sessions), where a connection resumes from,
 * and what it gets first: the open frame and the replay.
 *
 * Connections are stateless apart from their session id: a connection resumes from the
 * lastEventId it names, so a client can switch transports freely.
 */
import type { IncomingMessage } from 'node:http';
import { messageFrame, openFrame } from './frames.js';
import { History } from './history.js';

export type TransportName = 'websocket' | 'sse' | 'streaming' | 'longpoll';
export const TRANSPORTS: readonly TransportName[] = ['websocket', 'sse', 'streaming', 'longpoll'];

/** Request counters are kept per endpoint: the four transports and the send endpoint. */
export type Endpoint = TransportName | 'send';

/** Where each endpoint lives, relative to the server's base endpoint. The only place the paths are written. */
const ENDPOINT_PATHS: Readonly<Record<Endpoint, string>> = {
  websocket: '/ws',
  sse: '/sse',
  streaming: '/stream',
  longpoll: '/poll',
  send: '/send',
};

const ENDPOINT_AT = new Map<string, Endpoint>(Object.entries(ENDPOINT_PATHS).map(([endpoint, path]) => [path, endpoint as Endpoint]));

/**
 * The endpoint a URL path names when the endpoints are mounted at `base` ('' for the origin
 * root, else e.g. '/realtime'), or null (static files, controls, unknown paths).
 */
export function endpointAt(pathname: string, base: string): Endpoint | null {
  return pathname.startsWith(base) ? (ENDPOINT_AT.get(pathname.slice(base.length)) ?? null) : null;
}

/** A published message as kept in the history: its id and its encoded message frame. */
export interface Message {
  id: string;
  json: string;
}

/** What a connection sends first: the open frame, then the messages after its cursor. */
export interface Opening {
  open: string;
  replay: Message[];
}

/**
 * Where an HTTP connection resumes from, or null for "live only". The Last-Event-ID header wins
 * over the query parameter (PROTOCOL.md): after a native EventSource reconnect it is the newer.
 */
export function cursorOf(req: IncomingMessage, url: URL): string | null {
  const header = req.headers['last-event-id'];
  return (typeof header === 'string' && header) || url.searchParams.get('lastEventId') || null;
}

/** Sessions remembered to tie a message sent over HTTP to its transport; the oldest are forgotten first. */
const SESSIONS_KEPT = 10000;

/** The history and the sessions, and the frames they make. */
export class Channel {
  private readonly history: History<Message>;
  private readonly sessions = new Map<string, TransportName>();
  private sessionCount = 0;

  /** `retry`: the reconnection time announced in open frames, if any. */
  constructor(
    historySize: number,
    private readonly retry: number | undefined,
  ) {
    this.history = new History<Message>(historySize);
  }

  /** Appends a message to the history; the caller hands it to the subscribers. */
  append(data: string, event: string | undefined): Message {
    const id = this.history.nextId;
    // Every message names the one before it, so a client sees a hole an intermediary made.
    const message = { id, json: messageFrame(id, this.history.latest, data, event) };
    this.history.append(message);
    return message;
  }

  /** Everything published after `cursor`, or null when the history can no longer say (a gap). */
  after(cursor: string): Message[] | null {
    return this.history.after(cursor);
  }

  newSession(transport: TransportName): string {
    const session = 's' + ++this.sessionCount;
    this.remember(session, transport);
    return session;
  }

  /** Ties a session id to its transport (also one the server did not hand out, e.g. from before a restart). */
  remember(session: string, transport: TransportName): void {
    this.sessions.set(session, transport);
    if (this.sessions.size > SESSIONS_KEPT) this.sessions.delete(this.sessions.keys().next().value as string);
  }

  /** The transport of a session, or null for one the server does not know (or has forgotten). */
  transportOf(session: string): TransportName | null {
    return this.sessions.get(session) ?? null;
  }

  /**
   * The open frame and the replay for a connection that asks to resume from `cursor` (null: it
   * asks for nothing old). `heartbeat` is the longest silence the client should expect; `ack`,
   * for a client that named its identity, how far its own messages got.
   */
  opening(session: string, cursor: string | null, heartbeat: number, ack?: number): Opening {
    const replay = cursor === null ? [] : this.history.after(cursor);
    const gap = replay === null;
    const open = openFrame({ session, resumed: cursor !== null && !gap, last: this.history.latest, heartbeat, gap, retry: this.retry, ack });
    return { open, replay: replay ?? [] };
  }

  /** A new open frame telling a long-poll session that its cursor is gone from the history. */
  gapFrame(session: string, heartbeat: number): string {
    return openFrame({ session, resumed: false, last: this.history.latest, heartbeat, gap: true, retry: this.retry });
  }
}
