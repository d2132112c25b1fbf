/** Helpers for the nchan tests: drive the nchan servers through the runner's /_nchan/ controls. */
import type { Client } from '../../src/index.js';
import type { PushlineMessage, TransportName } from '../../src/types.js';
import { NCHAN } from './env.js';
export { ALL, ENGINE, audit, countOpens, dropRepeatedly, next, sleep, waitFor } from '../browser/common.js';

export { NCHAN };
export type NodeName = 'm' | 'a' | 'b';
/** The location of each transport's own subscriber type (scripts/nchan-servers.mjs). */
export const LOCATION: { [K in TransportName]: string } = { websocket: 'ws', sse: 'sse', streaming: 'stream', longpoll: 'poll' };

async function control<T>(name: string, body: unknown = {}): Promise<T> {
  const res = await fetch('/_nchan/' + name, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`/_nchan/${name}: HTTP ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

/** A channel id no other test uses. */
export function channel(tag: string): string {
  return `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Subscriber URL of a channel on a node, at the all-types location or a transport's own. */
export function subUrl(node: NodeName, ch: string, location = 'sub'): string {
  return `${NCHAN[node].url}/${location}/${ch}`;
}
export function pubUrl(node: NodeName, ch: string): string {
  return `${NCHAN[node].direct ?? NCHAN[node].url}/pub/${ch}`;
}

/**
 * Publishes messages one after the other through a node's publisher; resolves to nchan's ids.
 * `location` 'pubsmall': a publisher whose channel keeps only SMALL_BUFFER messages.
 */
export async function publish(node: NodeName, ch: string, messages: string[], event?: string, location?: 'pub' | 'pubsmall'): Promise<string[]> {
  return (await control<{ ids: string[] }>('publish', { node, channel: ch, messages, event, location })).ids;
}
/**
 * Publishes messages one after the other until nchan refuses one (503 while its Redis is down):
 * the ids of those published, and the refusal if there was one.
 */
export function publishUntilRefused(node: NodeName, ch: string, messages: string[]): Promise<{ ids: string[]; error: string | null }> {
  return control('publish', { node, channel: ch, messages, partial: true });
}
/** The channel length of the `pubsmall` publisher (scripts/nchan-servers.mjs). */
export const SMALL_BUFFER = 5;
/** How redis-server keeps its data across a restart (scripts/nchan-servers.mjs, REDIS_PERSISTENCE). */
export type Persistence = 'none' | 'always' | 'everysec';
/**
 * Crashes redis-server and starts it again (with `persistence` from then on), stopping and
 * starting `nodes` while it is down; resolves once nodes a and b use it.
 */
export const redisRestart = (persistence?: Persistence, nodes: NodeName[] = []) =>
  control<{ restartMs: number; readyMs: number; persistence: Persistence }>('redisRestart', { persistence, nodes });
/** Cuts every connection to node m (through its proxy); with `outage` ms, refuses new ones that long. */
export const drop = (outage = 0) => control<{ connections: number }>('drop', { outage });
export const disable = (node: NodeName, transport: TransportName, on: boolean) => control('disable', { node, transport, on });
export const stopNode = (node: NodeName) => control<{ ms: number }>('stop', { node });
export const startNode = (node: NodeName) => control<{ ms: number }>('start', { node });
export const channelInfo = (node: NodeName, ch: string) => control<{ messages: number; last_message_id?: string }>('info', { node, channel: ch });
export const channelMessages = (node: NodeName, ch: string) =>
  control<{ id: string; data: string; contentType: string | null }[]>('messages', { node, channel: ch });


/**
 * The id the client gives a message that nchan delivered without one (a long-poll batch with
 * nchan_longpoll_multipart_response): `<nchan id>+<n>`, the n-th message after that id.
 */
export const POSITION_ID = /^(\d+:\d+)?\+\d+$/;

/** The client's ids with each position id replaced by the published id at its place (check the data too). */
export function withPositionsNamed(got: string[], published: string[]): string[] {
  return got.map((id, i) => (POSITION_ID.test(id) && i < published.length ? published[i] : id));
}

/** Every message a client delivers, with the time it arrived. */
export function collect(client: Client): (PushlineMessage & { at: number })[] {
  const list: (PushlineMessage & { at: number })[] = [];
  client.on('message', (m) => list.push({ ...m, at: performance.now() }));
  return list;
}

