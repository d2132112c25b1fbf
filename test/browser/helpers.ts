/** Test helpers: drive the reference server over its HTTP controls, wait for conditions. */
import { ORIGIN } from './origin.js';
import type { Client } from '../../src/index.js';
import type { ClientEvents, PushlineMessage, TransportName } from '../../src/types.js';

export { ORIGIN };
export const ALL: TransportName[] = ['websocket', 'sse', 'streaming', 'longpoll'];

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
export const block = (transport: TransportName, mode: 'refuse' | 'hang' | 'buffer' | null) =>
  control('block', { transport, mode });
export async function unblockAll(): Promise<void> {
  for (const t of ALL) await block(t, null);
}

/** What the server received from clients (onMessage), oldest first. */
export async function received(): Promise<{ data: string; transport: string; session: string | null }[]> {
  const res = await fetch(ORIGIN + '/_control/received');
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

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(cond: () => boolean, what: string, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(10);
  }
}

/** Resolves with the payload of the next `name` event of a client. */
export function next<T>(client: Client, name: keyof ClientEvents, ms = 10000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no ' + name + ' event within ' + ms + ' ms')), ms);
    client.once(name, ((e: T) => {
      clearTimeout(t);
      resolve(e);
    }) as never);
  });
}

/** Collects every message a client delivers. */
export function collect(client: Client): PushlineMessage[] {
  const list: PushlineMessage[] = [];
  client.on('message', (m) => list.push(m));
  return list;
}
