/** Helpers shared by the reference-server tests and the nchan tests (no server needed). */
import type { Client } from '../../src/index.js';
import type { BuiltInTransport, ClientEvents, PushlineMessage } from '../../src/types.js';

/** The four transports, in the default order. */
export const ALL: BuiltInTransport[] = ['websocket', 'sse', 'streaming', 'longpoll'];

/** `t` and the transport a client falls back to when `t` is blocked: the next in ALL; after long polling, the last, WebSocket. */
export function withFallback(t: BuiltInTransport): [BuiltInTransport, BuiltInTransport] {
  return [t, ALL[(ALL.indexOf(t) + 1) % ALL.length]];
}

/** The engine running the test, for the few behaviours that differ between engines. */
export const ENGINE: 'chromium' | 'firefox' | 'webkit' = /Firefox\//.test(navigator.userAgent)
  ? 'firefox'
  : /Chrome\//.test(navigator.userAgent)
    ? 'chromium'
    : 'webkit';

/** Lost, duplicated and out-of-order ids against what was published. */
export function audit(published: string[], got: string[]): { lost: number; duplicated: number; inOrder: boolean } {
  const seen = new Set<string>();
  let duplicated = 0;
  for (const id of got) seen.has(id) ? duplicated++ : seen.add(id);
  const lost = published.filter((id) => !seen.has(id)).length;
  return { lost, duplicated, inOrder: JSON.stringify(got) === JSON.stringify(published) };
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

/** Every message a client delivers, in delivery order. */
export function collect(client: Client): PushlineMessage[] {
  const list: PushlineMessage[] = [];
  client.on('message', (m) => list.push(m));
  return list;
}

/** Counts a client's `open` events, and those that resumed, as they happen. */
export function countOpens(client: Client): { opens: number; resumed: number } {
  const n = { opens: 0, resumed: 0 };
  client.on('open', (e) => {
    n.opens++;
    if (e.resumed) n.resumed++;
  });
  return n;
}

/**
 * Cuts the connections with `drop` every `from`–`to` ms (default 150–250) until stopped: `drops`
 * counts the cuts, `stop()` resolves once the last one is done.
 */
export function dropRepeatedly(drop: () => Promise<unknown>, from = 150, to = 250): { readonly drops: number; stop(): Promise<void> } {
  let dropping = true;
  let drops = 0;
  const loop = (async () => {
    while (dropping) {
      await sleep(from + Math.random() * (to - from));
      if (!dropping) break;
      await drop();
      drops++;
    }
  })();
  return {
    get drops() {
      return drops;
    },
    stop() {
      dropping = false;
      return loop;
    },
  };
}
