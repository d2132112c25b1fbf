/**
 * The one interface every transport implements. A transport moves frames and nothing else:
 * fallback, reconnection, resume and dedupe live in client.ts, so a new transport is one file.
 */
import type { Frame } from '../parse/frame.js';
import type { PushlineError, TransportName } from '../types.js';

/** What a transport needs to open a connection. Functions are re-read on every request. */
export interface TransportRequest {
  /** The endpoint with the current cursor (and session, for follow-up polls) in the query. */
  url(): string;
  /** Headers for HTTP requests, including `Last-Event-ID`. */
  headers(): Record<string, string>;
  /** Where to resume: the id of the last delivered message (or the server's `last` id), or null. */
  cursor(): string | null;
  withCredentials: boolean;
  delimiter: string;
  maxMessageSize: number;
}

/** How a transport reports back to the client. */
export interface TransportEvents {
  /** The server answered (socket open, HTTP headers): later silence means buffering, not a hang. */
  responded(): void;
  /** A decoded frame, or null for data that is not a frame (a protocol error). */
  frame(frame: Frame | null): void;
  /** The connection is over. Called at most once; nothing is called after it. */
  end(error: PushlineError): void;
}

export interface Transport {
  /** Sends over this connection; false when the transport cannot (the client then POSTs). */
  send(data: string): boolean;
  /** Closes silently: no event is reported after this. */
  close(): void;
}

export interface TransportFactory {
  name: TransportName;
  /** Whether this browser has what the transport needs. */
  supported(): boolean;
  open(request: TransportRequest, events: TransportEvents): Transport;
}
