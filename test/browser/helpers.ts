/** Test helpers: drive the reference server over its HTTP controls, wait for conditions. */
import { ORIGIN } from './origin.js';
import type { TransportName } from '../../src/types.js';
export { ALL, ENGINE, withFallback, audit, collect, countOpens, dropRepeatedly, next, sleep, waitFor } from './common.js';
import { ALL, sleep } from './common.js';

export { ORIGIN };

async function control(path: string, body?: unknown): Promise<Response> {
  const res = await fetch(ORIGIN + '/_control/' + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (!res.ok) throw new Error(`control ${path}: HTTP ${res.status}`);
  return res;
}

/** Publishes one message; resolves to its id. */
export async function publish(data: string, event?: string): Promise<string> {
  const res = await control('publish', event ? { data, event } : { data });
  return ((await res.json()) as { id: string }).id;
}

/** Publishes many messages in one request; resolves to their ids, in order. */
export async function publishMany(messages: { data: string; event?: string }[]): Promise<string[]> {
  const res = await control('publish', messages);
  return ((await res.json()) as { ids: string[] }).ids;
}

export const drop = () => control('drop');
export const block = (transport: TransportName, mode: 'refuse' | 'hang' | 'buffer' | 'busy' | null) =>
  control('block', { transport, mode });
/** The next `count` messages published do not reach the clients of `transport` (a lossy intermediary). */
export const lose = (transport: TransportName, count: number) => control('lose', { transport, count });
export async function unblockAll(): Promise<void> {
  for (const t of ALL) await block(t, null);
}

/** One client message as the server's onMessage got it. */
export interface Received {
  data: string;
  transport: string;
  session: string | null;
  client: string | null;
  seq: number | null;
}

/** What the server received from clients (onMessage), oldest first: the newest 1,000, or every one whose data starts with `prefix`. */
export async function received(prefix?: string): Promise<Received[]> {
  const res = await fetch(ORIGIN + '/_control/received' + (prefix === undefined ? '' : '?prefix=' + encodeURIComponent(prefix)));
  return res.json();
}

/** Waits until the server has received `count` client messages matching `pred`; returns them. */
export async function receivedWhere(
  pred: (r: { data: string; transport: string }) => boolean,
  count: number,
  ms = 10000,
): Promise<{ data: string; transport: string; session: string | null }[]> {
  const end = Date.now() + ms;
  for (;;) {
    const hits = (await received()).filter(pred);
    if (hits.length >= count) return hits;
    if (Date.now() > end) throw new Error(`server received ${hits.length} of ${count} expected client messages`);
    await sleep(30);
  }
}
