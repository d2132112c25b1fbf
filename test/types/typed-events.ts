/**
 * Type-level tests of the public API (issue 22): compiled by `npm run typecheck`, never run.
 * Each `@ts-expect-error` line must be an error, or the check fails ("unused directive").
 */
import { connect, createClient, websocket, type Client } from '../../src/index.js';
import type { AppMessage, ClientStats, PushlineError, PushlineMessage } from '../../src/types.js';

interface Chat {
  user: string;
  text: string;
}

// The application's events, typed by name; `decode` reads their data.
const client = connect<{ chat: Chat; typing: string }>('https://example.test/realtime', { decode: (data) => JSON.parse(data) });
client.on('chat', (message: AppMessage<Chat>) => message.data.text.toUpperCase());
client.once('typing', (message) => message.data.toUpperCase());
client.off('chat', (message) => message.data.user);
// @ts-expect-error: a chat message's data is a Chat, not a number
client.on('chat', (message: AppMessage<number>) => message.data);
// @ts-expect-error: no such event in the map
client.on('presence', () => {});

// The client's own events keep their payloads, `message` its text.
client.on('message', (message: PushlineMessage) => message.data.toUpperCase());
client.on('error', (error: PushlineError) => error.code);
// @ts-expect-error: an open event has no data
client.on('open', (event) => event.data);

// Without a map, only the client's events.
const plain: Client = createClient('https://example.test/realtime', { transports: [websocket] });
plain.on('gap', (event) => event.lastEventId);
// @ts-expect-error: without a map there are no application events
plain.on('chat', () => {});

const stats: ClientStats = plain.stats();
const roundTrip: number | null = stats.roundTrip;
// @ts-expect-error: the counts are numbers
const messages: string = stats.messages;

export { messages, roundTrip };
