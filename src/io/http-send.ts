/**
 * How the HTTP transports (sse, streaming, long polling) send the application's messages: POSTs
 * to the send endpoint, one at a time, in order (PROTOCOL.md, "Client to server"). To a server
 * that acknowledges, each POST carries every message that fits in one batch and its answer says
 * how far they got; to one that does not, each POST carries one message, done once answered.
 * WebSocket writes its own frames (transports/websocket.ts), so a WebSocket-only bundle carries
 * none of this.
 */
import { parseRetryAfter, pushlineError } from '../errors.js';
import { sendFrame, type OutgoingMessage } from '../outbox.js';
import type { ConnectionLife, Sending, TransportEvents, TransportRequest } from '../transports/transport.js';
import type { TransportName } from '../types.js';
import { withQuery } from '../url.js';
import { request as httpRequest, type PendingRequest } from './xhr.js';

/**
 * The most characters of frames one POST carries: well under the reference server's 1 MiB body
 * limit. A server that answers 413 gets one message per POST from then on.
 */
const MAX_BATCH_CHARACTERS = 262144;
const PAYLOAD_TOO_LARGE = 413;

/**
 * The oldest messages as a batch body: a JSON array of the frames a WebSocket would carry
 * (sendFrame), as many as fit in `maxCharacters` (always at least one).
 */
export function takeBatch(messages: OutgoingMessage[], identity: string, maxCharacters: number): { messages: OutgoingMessage[]; body: string } {
  const taken: OutgoingMessage[] = [];
  const frames: string[] = [];
  let size = 2;
  for (let i = 0; i < messages.length; i++) {
    const frame = sendFrame(messages[i], identity);
    size += frame.length + 1;
    if (taken.length && size > maxCharacters) break;
    taken.push(messages[i]);
    frames.push(frame);
  }
  return { messages: taken, body: '[' + frames.join(',') + ']' };
}

/** The acknowledgements of a POST answer, `{"acks":{"<client>":<seq>}}`; null when it has none. */
export function parseAcks(text: string): { [client: string]: unknown } | null {
  try {
    const acks = (JSON.parse(text) as { acks?: unknown }).acks;
    return acks && typeof acks === 'object' ? (acks as { [client: string]: unknown }) : null;
  } catch (e) {
    return null;
  }
}

/**
 * The sending side of one HTTP connection: its POST in flight. A POST that fails on the way
 * (network, 5xx, 408, 429) ends the connection: the client reconnects with its backoff (and the
 * server's Retry-After) and sends what is left on the next one, as after any other drop.
 */
export class HttpSender {
  private posting: PendingRequest | null = null;
  private batchLimit = MAX_BATCH_CHARACTERS;

  constructor(
    private readonly transport: TransportName,
    private readonly request: TransportRequest,
    private readonly events: TransportEvents,
    /** The connection this sender belongs to: it ends it when a POST fails on the way. */
    private readonly life: ConnectionLife,
  ) {}

  /** POSTs what the outbox holds, one POST at a time; a no-op while one is in flight. */
  send(sending: Sending): void {
    const endpoint = this.request.sendEndpoint;
    const messages = sending.outbox.messages;
    // Without a send endpoint (`endpoints.send: false`) the messages wait for a WebSocket.
    if (!this.life.live || this.posting || !endpoint || !messages.length) return;
    const acknowledging = sending.acknowledging;
    const identity = sending.outbox.identity;
    // To a server that does not acknowledge, one message per POST, its body the message itself.
    const taken = acknowledging ? takeBatch(messages, identity, this.batchLimit) : { messages: messages.slice(0, 1), body: messages[0].data };
    const batch = taken.messages;
    // The client identity in the query tells the server that the body is a batch.
    const url = withQuery(endpoint, { session: this.request.session(), client: acknowledging ? identity : null });
    const headers = this.request.headers();
    delete headers['Last-Event-ID'];
    headers['Content-Type'] = 'text/plain;charset=UTF-8'; // a simple request: no CORS preflight for the type
    const withCredentials = this.request.withCredentials;
    this.posting = httpRequest({ method: 'POST', url, headers, withCredentials, body: taken.body }, (response) => {
      this.posting = null;
      if (!this.life.live) return;
      const status = response.status;
      if (status >= 200 && status < 300) {
        const acks = acknowledging ? parseAcks(response.text) : null;
        // Without acknowledgements in the answer, a success says the server took the whole batch.
        if (acks) {
          for (const client in acks) {
            const seq = acks[client];
            if (typeof seq === 'number') this.events.acknowledged(client, seq);
          }
        } else for (let i = 0; i < batch.length; i++) this.events.acknowledged(batch[i].client, batch[i].seq);
        return this.send(sending);
      }
      if (status === PAYLOAD_TOO_LARGE && batch.length > 1) {
        // Too large for this server: one message per POST from now on. One it refuses fails below.
        this.batchLimit = 0;
        return this.send(sending);
      }
      const retryAfter = parseRetryAfter(response.header('Retry-After'));
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        // The server refused these messages: sent again, they would be refused again.
        this.events.sendFailed(pushlineError('send-failed', 'send: HTTP ' + status, this.transport, { status }), batch);
        return this.send(sending);
      }
      this.life.end(pushlineError('closed', 'send: ' + (status ? 'HTTP ' + status : 'network error'), this.transport, { status, retryAfter }));
    });
  }

  /** The connection ended: the POST in flight is abandoned (its messages stay in the outbox). */
  close(): void {
    if (this.posting) this.posting.abort();
    this.posting = null;
  }
}
