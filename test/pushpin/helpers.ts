/** Helpers for the pushpin tests: drive the origin, pushpin and the cut proxy through the runner's /_pushpin/ controls. */
import type { Client } from '../../src/index.js';
import type { TransportName } from '../../src/types.js';
import { PUSHPIN } from './env.js';
export { ALL, ENGINE, audit, collect, countOpens, dropRepeatedly, next, sleep, waitFor } from '../browser/common.js';

export { PUSHPIN };

async function control<T>(name: string, body: unknown = {}): Promise<T> {
  const res = await fetch('/_pushpin/' + name, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`/_pushpin/${name}: HTTP ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

/** Publishes messages through the origin, in order; resolves to their ids once pushpin has them. */
export async function publish(messages: (string | { data: string; event?: string })[]): Promise<string[]> {
  const list = messages.map((m) => (typeof m === 'string' ? { data: m } : m));
  return (await control<{ ids: string[] }>('publish', { messages: list })).ids;
}
/** Cuts every client connection to pushpin. */
export const drop = () => control<{ connections: number }>('drop');
/** The next `count` messages do not reach pushpin on `transport` (they stay in the origin's history). */
export const lose = (transport: TransportName, count: number) => control('lose', { transport, count });
/** GRIP reliability on the origin (prev-id, next links) on or off. */
export const reliable = (on: boolean) => control('reliable', { on });
/** What the origin received from clients, oldest first. */
export const received = () => control<{ data: string; transport: string | null; session: string | null }[]>('received');

/** What pushpin asked the origin for (examples/pushpin/origin.mjs, `stats`). */
export interface OriginStats {
  connections: Record<TransportName, number>;
  nextLinks: { sse: number; streaming: number };
  refills: Record<TransportName, number>;
  pollRetries: number;
  webSocketChecks: number;
}
export const stats = () => control<OriginStats>('stats');

/** Counts the holes a client noticed (a message whose `prev` was not its cursor): each made it resume. */
export function countHoles(client: Client): { holes: number } {
  const n = { holes: 0 };
  client.on('reconnecting', (e) => {
    if (e.error.code === 'missed') n.holes++;
  });
  return n;
}
