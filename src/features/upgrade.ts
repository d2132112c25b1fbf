/**
 * `upgrade` — after a fallback from WebSocket, probe it again in the background and hand over
 * to it without losing, repeating or reordering a message: the probe resumes from the cursor
 * while the old connection still delivers; once the probe has opened and resumed, the old one
 * is closed and what it delivered meanwhile is skipped on the new one.
 */
import type { Client, ClientSettings, Feature, FeatureHooks } from '../client.js';
import type { Frame } from '../parse/frame.js';
import type { Transport } from '../transports/transport.js';

/** The longest wait between probes. */
const MAX_PROBE_DELAY = 600000;

function upgrade(c: Client, o: ClientSettings): FeatureHooks | null {
  const first = c._s.transports[0];
  const every = o.upgrade === true ? 30000 : o.upgrade || 0;
  if (!every || first.name !== 'websocket') return null;
  /** The trial connection, its timer, its id (bumped to disown it) and its backoff. */
  let probe: Transport | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let probeId = 0;
  let delay = 0;
  /** After a handover: drop messages up to this id, which the old connection delivered. */
  let skipUntil: string | null = null;

  function schedule(): void {
    if (!c._index || timer) return; // already on WebSocket, or a probe is due
    timer = setTimeout(() => {
      timer = null;
      start();
    }, delay || every);
  }

  /** Opens WebSocket beside the working connection; frames before its open frame are queued. */
  function start(): void {
    if (!c._opened || !first.supported()) return;
    const id = ++probeId;
    const from = c._cursor;
    const queue: Frame[] = [];
    let mainId = -1; // the client's attempt id once promoted; until then the probe is on trial
    const giveUp = () => {
      if (id !== probeId || mainId >= 0) return;
      drop();
      delay = Math.min(MAX_PROBE_DELAY, (delay || every) * 2);
      schedule();
    };
    const trial = setTimeout(giveUp, c._s.connectTimeout);
    try {
      probe = first.open(c._request(first.name), {
        responded: () => {},
        frame: (f) => {
          if (mainId >= 0) {
            if (mainId === c._attemptId) c._onFrame(f, first.name);
          } else if (id === probeId) {
            if (!f || (f.type === 'open' && !f.resumed && from !== null)) return giveUp(); // could not continue exactly
            if (f.type !== 'open') return void queue.push(f);
            clearTimeout(trial);
            mainId = handover(f, queue, from);
          }
        },
        end: (e) => {
          if (mainId < 0) giveUp();
          else if (mainId === c._attemptId) c._fail(e);
        },
      });
    } catch (e) {
      giveUp();
    }
  }

  /** Closes the old connection and makes the probe the connection; returns its attempt id. */
  function handover(open: Frame, queue: Frame[], from: string | null): number {
    const conn = probe;
    const delivered = c._cursor;
    probe = null; // keep it out of the teardown
    c._teardown();
    c._conn = conn;
    c._index = c._roundStart = 0;
    delay = 0;
    // The new stream starts after `from`; the old one got as far as `delivered`: skip up to it.
    skipUntil = delivered !== from ? delivered : null;
    const id = c._attemptId;
    c._onFrame(open, 'websocket');
    for (let i = 0; i < queue.length && id === c._attemptId; i++) c._onFrame(queue[i], 'websocket');
    return id;
  }

  function drop(): void {
    probeId++;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (probe) probe.close();
    probe = null;
  }

  return {
    opened: schedule,
    message(id) {
      if (skipUntil === null) return false;
      if (id === skipUntil) skipUntil = null;
      return true; // delivered by the connection this one replaced
    },
    teardown() {
      drop();
      skipUntil = null;
    },
  };
}
/** Upgrade back to WebSocket, for `createClient({ features })`: turned on by `upgrade`. */
export const upgrading: Feature = { option: 'upgrade', setup: upgrade };
