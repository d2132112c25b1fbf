/**
 * `shared: true` — one connection for all the tabs of an origin. The tabs elect a leader that
 * alone connects; it hands every event to the others, which hand it to their listeners, and
 * followers' sends travel to the leader. The plumbing (election, bus) is in io/tabs.ts; this
 * file decides what travels and when a tab leads or follows.
 */
import type { Client, ClientSettings, Feature, FeatureHooks } from '../client.js';
import { canShare, elect, openBus, type Bus, type Candidacy } from '../io/tabs.js';
import { pushlineError } from '../errors.js';
import type { ClientEvents, PushlineError, TransportName } from '../types.js';

/**
 * What travels between tabs: an event name, its payload and the leader's cursor (on `open`, the
 * leader's tab id too); for sends, the data and its key.
 */
interface Wire {
  t: string;
  p?: unknown;
  c?: string | null;
  l?: string;
  d?: string;
  k?: string;
}

function share(c: Client, o: ClientSettings): FeatureHooks | null {
  if (!o.shared || !canShare()) return null;
  const name = 'pushline:' + c._base;
  let bus: Bus;
  let candidacy: Candidacy | null = null;
  /** When the leader was last heard from (a follower's view). */
  let leaderSeen = 0;
  let timer: ReturnType<typeof setInterval>;
  /**
   * A follower's sends until the leader acknowledges them: posted again to each new leader
   * (there may have been none when they were posted), or put in this tab's own queue if it
   * becomes the leader. At least once: a leader that dies between sending and acknowledging
   * makes its successor send again.
   */
  let unacked: { k: string; d: string }[] = [];
  const me = Math.random().toString(36).slice(2);
  let sent = 0;
  /** The keys of the followers' sends this leader sent last. */
  const handled: string[] = [];
  /** The tab id of the leader this follower last heard announce itself. */
  let leaderId: string | undefined;

  const stand = () => {
    candidacy = elect(name, lead, follow);
  };

  /** This tab won the election: connect, resuming from what it delivered as a follower. */
  function lead(): void {
    if (c.state === 'closed') return;
    c.role = 'leader';
    const mine = unacked;
    unacked = [];
    for (let i = 0; i < mine.length; i++) c.send(mine[i].d); // queued until the connection opens
    c._attempt();
  }

  function follow(): void {
    c._teardown();
    c.role = 'follower';
    c.state = 'connecting';
    leaderSeen = Date.now();
  }

  function receive(m: Wire): void {
    if (c.state === 'closed' || !m) return;
    const leader = c.role === 'leader';
    if (m.t === 'hello') {
      // A tab that just joined learns the state from the leader (not re-emitted here).
      if (leader && c._opened) bus.post({ t: 'open', p: { transport: c.transport, resumed: true }, c: c._cursor, l: me });
      return;
    }
    if (m.t === 'send') {
      if (leader) {
        // A follower posts a send again when a leader announces itself, which may be this one
        // answering its hello before acking: the key says whether it was sent already.
        if (handled.indexOf(m.k!) < 0) {
          handled.push(m.k!);
          if (handled.length > 128) handled.shift();
          c.send(String(m.d));
        }
        bus.post({ t: 'ack', k: m.k });
      }
      return;
    }
    if (leader) return;
    leaderSeen = Date.now();
    if (m.t === 'ack') {
      for (let i = 0; i < unacked.length; i++) if (unacked[i].k === m.k) unacked.splice(i, 1);
      return;
    }
    // A new leader announced itself: post what may have been posted while no tab led. (Its ack of
    // anything it did receive was posted before its open, so those are gone from the list.)
    if (m.t === 'open' && m.l !== leaderId) {
      leaderId = m.l;
      for (let i = 0; i < unacked.length; i++) bus.post({ t: 'send', d: unacked[i].d, k: unacked[i].k });
    }
    if (m.t === 'ping') return;
    const p = m.p as { [k: string]: unknown };
    if (c._cursor === null && m.c !== undefined) c._cursor = m.c;
    if (m.t === 'message') {
      const id = p.id as string;
      if (c._seen(id)) return;
      c._remember(id);
      c._cursor = c.lastEventId = id;
    } else if (m.t === 'open') {
      c.transport = p.transport as TransportName;
      c.state = 'open';
    } else if (m.t === 'reconnecting') {
      c.transport = null;
      c.state = 'reconnecting';
    }
    if (m.t === 'error') m.p = fromWire(p);
    else if (p && p.error) p.error = fromWire(p.error as { [k: string]: unknown });
    c._emitLocal(m.t as keyof ClientEvents, m.p as never);
  }

  return {
    start() {
      c.role = 'follower';
      leaderSeen = Date.now();
      bus = openBus(name, (m) => receive(m as Wire));
      stand();
      bus.post({ t: 'hello' });
      const heartbeat = c._s.heartbeatTimeout;
      timer = setInterval(() => {
        if (c.role === 'leader') bus.post({ t: 'ping' });
        // A leader that stopped answering (a hung tab) loses its place (not with heartbeatTimeout 0).
        else if (candidacy && heartbeat && Date.now() - leaderSeen > heartbeat) {
          leaderSeen = Date.now();
          candidacy.steal();
        }
      }, Math.max(500, heartbeat / 4));
      return true;
    },
    send(text) {
      if (c.role !== 'follower') return false;
      if (unacked.length >= c._s.sendQueueSize) {
        c._emitLocal('error', pushlineError('queue-full', 'send queue full', null));
        return 'full'; // taken, and refused: reported above; send() returns false
      }
      const u = { k: me + ':' + ++sent, d: text };
      unacked.push(u);
      bus.post({ t: 'send', d: u.d, k: u.k }); // the leader tab sends it
      return true;
    },
    emitted(event, payload) {
      // The leader hands every event (but its own close) to the other tabs.
      if (c.role === 'leader' && event !== 'close') bus.post({ t: event, p: toWire(payload), c: c._cursor, l: me });
    },
    lifecycle(type) {
      if (type === 'freeze') {
        // A frozen tab cannot relay: leave the election (a leader hands the connection over)
        // and come back on 'resume'. The bus stays open, so this tab still gets the messages.
        if (candidacy) candidacy.release();
        candidacy = null;
        if (c.role === 'leader') follow();
        return true;
      }
      if (type === 'resume' && !candidacy) stand();
      return false;
    },
    stop() {
      // The next tab in line takes over the connection.
      clearInterval(timer);
      if (candidacy) candidacy.release();
      bus.close();
    },
  };
}
/** Cross-tab sharing, for `createClient({ features })`: turned on by `shared: true`. */
export const sharing: Feature = { option: 'shared', setup: share };

/** Payloads as plain data: an error loses its prototype on the way, so its fields are copied. */
function toWire(payload: unknown): unknown {
  if (payload instanceof Error) return plainError(payload);
  const p = payload as { [k: string]: unknown } | null;
  if (!p || !(p.error instanceof Error)) return payload;
  const out: { [k: string]: unknown } = {};
  for (const k in p) out[k] = p[k];
  out.error = plainError(p.error);
  return out;
}

/** An error's own fields (code, transport, status...) plus its message, which is not enumerable. */
function plainError(e: Error): { [k: string]: unknown } {
  const out: { [k: string]: unknown } = { message: e.message };
  for (const k in e) out[k] = (e as unknown as { [k: string]: unknown })[k];
  return out;
}

function fromWire(w: { [k: string]: unknown }): PushlineError {
  const e = new Error(w.message as string) as PushlineError;
  for (const k in w) if (k !== 'message' && w[k] !== undefined) (e as unknown as { [k: string]: unknown })[k] = w[k];
  return e;
}
