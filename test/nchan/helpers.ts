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

/** Publishes messages one after the other through a node's publisher; resolves to nchan's ids. */
export async function publish(node: NodeName, ch: string, messages: string[], event?: string): Promise<string[]> {
  return (await control<{ ids: string[] }>('publish', { node, channel: ch, messages, event })).ids;
}
export const drop = () => control<{ connections: number }>('drop');
export const disable = (node: NodeName, transport: TransportName, on: boolean) => control('disable', { node, transport, on });
export const stopNode = (node: NodeName) => control<{ ms: number }>('stop', { node });
export const startNode = (node: NodeName) => control<{ ms: number }>('start', { node });
export const channelInfo = (node: NodeName, ch: string) => control<{ messages: number; last_message_id?: string }>('info', { node, channel: ch });
export const channelMessages = (node: NodeName, ch: string) =>
  control<{ id: string; data: string; contentType: string | null }[]>('messages', { node, channel: ch });


/** Every message a client delivers, with the time it arrived. */
export function collect(client: Client): (PushlineMessage & { at: number })[] {
  const list: (PushlineMessage & { at: number })[] = [];
  client.on('message', (m) => list.push({ ...m, at: performance.now() }));
  return list;
}

