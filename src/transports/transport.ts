/**
 * The one interface every transport implements. A transport moves frames and nothing else:
 * fallback, reconnection, resume and dedupe live in client.ts. Everything that is particular to
 * one transport — its endpoint path, its query parameters, how it reads the wire — lives in its
 * own file, so a new transport is one file plus its registration in connect.ts.
 */
import type { Outbox, OutgoingMessage } from '../outbox.js';
import type { Frame } from '../parse/frame.js';
import type { PushlineError, TransportName } from '../types.js';

/** Query parameters; null values are left out of the URL. */
export type Query = { [name: string]: string | null };

/** What a transport needs to open a connection. Functions are re-read on every request. */
export interface TransportRequest {
  /**
   * This transport's endpoint: the `endpoints` override, or the base URL with the transport's
   * `path`, with the base URL's own query. Without the parameters of the protocol.
   */
  readonly endpoint: string;
  /**
   * `endpoint` with what every Pushline transport sends in the query (the application's `query`
   * option and the cursor as `lastEventId`), plus the transport's own `extra` parameters.
   */
  url(extra?: Query): string;
  /** The application's `query` option, resolved for this attempt (for servers of another protocol). */
  applicationQuery(): Query;
  /** Headers for HTTP requests: the application's `headers`, `Authorization` from the token, `Last-Event-ID`. */
  headers(): Record<string, string>;
  /** The `token` option resolved for this attempt, for transports that cannot send headers. */
  token(): string | null;
  /** The application asks for the token in the query too (`tokenInQuery`), for servers that read it only there. */
  readonly tokenInQuery: boolean;
  /** Where to resume: the id of the last delivered message (or the server's `last` id), or null. */
  cursor(): string | null;
  readonly withCredentials: boolean;
  /** The streaming transport's frame delimiter. */
  readonly delimiter: string;
  /** The largest message accepted, in characters (transports size their buffers by it). */
  readonly maxMessageSize: number;
  /** The session of the open connection (its open frame's), for the send endpoint. */
  session(): string | null;
  /** Where the HTTP transports POST the application's messages; null with `endpoints.send: false`. */
  readonly sendEndpoint: string | null;
}

/** The application's messages, for a connection to send (PROTOCOL.md, "Client to server"). */
export interface Sending {
  /** Every message not yet acknowledged, oldest first. */
  readonly outbox: Outbox;
  /**
   * The server acknowledges (its open frame had `ack`): numbered frames and batches, each kept
   * until acknowledged. Otherwise each message goes verbatim and is done once sent.
   */
  readonly acknowledging: boolean;
  /** This connection's attempt id: a message written on it is marked with it (`writtenOn`). */
  readonly connectionId: number;
}

/** How a transport reports back to the client. */
export interface TransportEvents {
  /** The server answered (socket open, HTTP headers): later silence means buffering, not a hang. */
  responded(): void;
  /** A decoded frame, or null for data that is not a frame (a protocol error). */
  frame(frame: Frame | null): void;
  /** The connection is over. Called at most once; nothing is called after it. */
  end(error: PushlineError): void;
  /** The server has every message of client identity `sender` up to `seq`. */
  acknowledged(sender: string, seq: number): void;
  /**
   * The server refused these messages for good (an HTTP 4xx): they fail with `error`, which goes
   * to the application too. (A send that fails on the way ends the connection instead.)
   */
  sendFailed(error: PushlineError, refused: OutgoingMessage[]): void;
}

export interface Transport {
  /**
   * Sends what the outbox holds that this connection has not sent yet (a WebSocket writes
   * frames; the HTTP transports POST). Called after the open frame and after each send().
   */
  send(sending: Sending): void;
  /** Closes silently: no event is reported after this. */
  close(): void;
}

export interface TransportFactory {
  readonly name: TransportName;
  /** Appended to the base URL for this transport's endpoint (PROTOCOL.md, "Concepts"). */
  readonly path: string;
  /** Whether this browser has what the transport needs. */
  supported(): boolean;
  /** What that is, for the `no-transport` error where it is missing (e.g. 'WebSocket'). */
  readonly needs?: string;
  open(request: TransportRequest, events: TransportEvents): Transport;
}

/**
 * The part of every connection's life that is the same on each transport: it ends once. After
 * `end()` or `close()` nothing more is reported, and callbacks of the browser objects that
 * arrive late are ignored by checking `live`.
 */
export class ConnectionLife {
  /** False once the connection has ended or been closed. */
  live = true;

  constructor(
    /** Whom to tell how it ended: the transport's events (or an nchan node's sink). */
    private readonly events: { end(error: PushlineError): void },
    /** Lets go of the browser objects (socket, request, timers). Called once. */
    private readonly release: () => void,
  ) {}

  /** Ends the connection and reports why, once. */
  end(error: PushlineError): void {
    if (!this.live) return;
    this.live = false;
    this.release();
    this.events.end(error);
  }

  /** Ends the connection without a report: the client closed it. */
  close(): void {
    if (!this.live) return;
    this.live = false;
    this.release();
  }
}
