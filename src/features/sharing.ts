/**
 * `shared: true` — one connection for all the tabs of an origin. The tabs elect a leader that
 * alone connects; it hands every event to the others, which hand it to their listeners, and
 * followers' sends travel to the leader. The plumbing (election, bus) is in io/tabs.ts; this
 * file decides what travels and when a tab leads or follows.
 */
import { pushlineError } from '../errors.js';
import { canShare, elect, openBus, type Bus, type Candidacy } from '../io/tabs.js';
import type { ClientSettings } from '../options.js';
import type { ClientEvents, PushlineError } from '../types.js';
import type { Feature, FeatureHooks, FeatureHost, TabRole } from './host.js';

/** The shortest interval of the leader's pings (a quarter of heartbeatTimeout otherwise). */
const MIN_PING_INTERVAL = 500;
/** How many keys of followers' sends a leader remembers, to send each once. */
const HANDLED_KEYS_KEPT = 128;

/** What travels between the tabs of an origin. */
type TabMessage =
  /** A tab joined: the leader tells it the state (an `open` event). */
  | { type: 'hello' }
  /** The leader is alive (sent every ping interval). */
  | { type: 'ping' }
  /** An event of the leader's client, with the leader's cursor and the leader's tab id. */
  | { type: 'event'; name: keyof ClientEvents; payload: unknown; cursor: string | null; leader: string }
  /** A follower's send, for the leader to send; `key` identifies it across retries. */
  | { type: 'send'; key: string; data: string }
  /** The leader has taken the send with this key. */
  | { type: 'ack'; key: string };

/** A follower's send that the leader has not acknowledged yet. */
interface UnackedSend {
  key: string;
  data: string;
}

function share(host: FeatureHost, options: ClientSettings): FeatureHooks | null {
  if (!options.shared || !canShare()) return null;
  const channelName = 'pushline:' + host.baseUrl;
  const tabId = Math.random().toString(36).slice(2);
  let bus: Bus;
  let candidacy: Candidacy | null = null;
  let role: TabRole = 'follower';
  /** When the leader was last heard from (a follower's view). */
  let leaderHeardAt = 0;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  /**
   * A follower's sends until the leader acknowledges them: posted again to each new leader
   * (there may have been none when they were posted), or put in this tab's own queue if it
   * becomes the leader. At least once: a leader that dies between sending and acknowledging
   * makes its successor send again.
   */
  let unacked: UnackedSend[] = [];
  let sendCount = 0;
  /** The keys of the followers' sends this leader sent last. */
  const handledKeys: string[] = [];
  /** The tab id of the leader this follower last heard announce itself. */
  let knownLeader: string | null = null;

  const post = (message: TabMessage) => bus.post(message);

  function becomeRole(next: TabRole): void {
    role = next;
    host.setRole(next);
  }

  function standForLeader(): void {
    candidacy = elect(channelName, lead, follow);
  }

  /** This tab won the election: connect, resuming from what it delivered as a follower. */
  function lead(): void {
    if (host.state() === 'closed') return;
    becomeRole('leader');
    const mine = unacked;
    unacked = [];
    for (let i = 0; i < mine.length; i++) host.send(mine[i].data); // queued until the connection opens
    host.connect();
  }

  function follow(): void {
    host.disconnect();
    becomeRole('follower');
    leaderHeardAt = Date.now();
  }

  function receive(message: TabMessage | null): void {
    if (host.state() === 'closed' || !message) return;
    if (message.type === 'hello') {
      // A tab that just joined learns the state from the leader (not emitted again here).
      const transport = host.transport();
      if (role === 'leader' && host.isOpen() && transport) {
        post({ type: 'event', name: 'open', payload: { transport, resumed: true }, cursor: host.cursor(), leader: tabId });
      }
      return;
    }
    if (message.type === 'send') {
      if (role !== 'leader') return;
      // A follower posts a send again when a leader announces itself, which may be this one
      // answering its hello before acknowledging: the key says whether it was sent already.
      if (handledKeys.indexOf(message.key) < 0) {
        handledKeys.push(message.key);
        if (handledKeys.length > HANDLED_KEYS_KEPT) handledKeys.shift();
        host.send(String(message.data));
      }
      post({ type: 'ack', key: message.key });
      return;
    }
    if (role === 'leader') return;
    leaderHeardAt = Date.now();
    if (message.type === 'ack') {
      unacked = unacked.filter((each) => each.key !== message.key);
      return;
    }
    if (message.type === 'ping') return;
    // A new leader announced itself: post what may have been posted while no tab led. (Its
    // acknowledgements of what it did receive were posted before its open, so those are gone.)
    if (message.name === 'open' && message.leader !== knownLeader) {
      knownLeader = message.leader;
      for (let i = 0; i < unacked.length; i++) post({ type: 'send', key: unacked[i].key, data: unacked[i].data });
    }
    host.relay(message.name, fromWire(message.payload) as never, message.cursor);
  }

  return {
    start() {
      becomeRole('follower');
      leaderHeardAt = Date.now();
      bus = openBus(channelName, (message) => receive(message as TabMessage | null));
      standForLeader();
      post({ type: 'hello' });
      const heartbeat = host.settings.heartbeatTimeout;
      pingTimer = setInterval(() => {
        if (role === 'leader') post({ type: 'ping' });
        // A leader that stopped answering (a hung tab) loses its place (not with heartbeatTimeout 0).
        else if (candidacy && heartbeat && Date.now() - leaderHeardAt > heartbeat) {
          leaderHeardAt = Date.now();
          candidacy.steal();
        }
      }, Math.max(MIN_PING_INTERVAL, heartbeat / 4));
      return true;
    },
    send(data) {
      if (role !== 'follower') return 'not-taken';
      if (unacked.length >= host.settings.sendQueueSize) {
        host.emitLocal('error', pushlineError('queue-full', 'send queue full', null));
        return 'refused';
      }
      const send: UnackedSend = { key: tabId + ':' + ++sendCount, data };
      unacked.push(send);
      post({ type: 'send', key: send.key, data: send.data }); // the leader tab sends it
      return 'taken';
    },
    emitted(name, payload) {
      // The leader hands every event (but its own close) to the other tabs.
      if (role === 'leader' && name !== 'close') post({ type: 'event', name, payload: toWire(payload), cursor: host.cursor(), leader: tabId });
    },
    lifecycle(type) {
      if (type === 'freeze') {
        // A frozen tab cannot relay: leave the election (a leader hands the connection over)
        // and come back on 'resume'. The bus stays open, so this tab still gets the messages.
        if (candidacy) candidacy.release();
        candidacy = null;
        if (role === 'leader') follow();
        return true;
      }
      if (type === 'resume' && !candidacy) standForLeader();
      return false;
    },
    stop() {
      // The next tab in line takes over the connection.
      clearInterval(pingTimer);
      if (candidacy) candidacy.release();
      bus.close();
    },
  };
}

/** Cross-tab sharing, for `createClient({ features })`: turned on by `shared: true`. */
export const sharing: Feature = { option: 'shared', setup: share };

type Fields = { [key: string]: unknown };

/** Payloads as plain data: an error loses its prototype on the way, so its fields are copied. */
function toWire(payload: unknown): unknown {
  if (payload instanceof Error) return plainError(payload);
  const fields = payload as Fields | null;
  if (!fields || !(fields.error instanceof Error)) return payload;
  const out: Fields = {};
  for (const key in fields) out[key] = fields[key];
  out.error = plainError(fields.error);
  return out;
}

/** An error's own fields (code, transport, status...) plus its message, which is not enumerable. */
function plainError(error: Error): Fields {
  const out: Fields = { message: error.message, isError: true };
  for (const key in error) out[key] = (error as unknown as Fields)[key];
  return out;
}

/** The payload of toWire() with its errors made Errors again. */
function fromWire(payload: unknown): unknown {
  const fields = payload as Fields | null;
  if (!fields || typeof fields !== 'object') return payload;
  if (fields.isError) return errorFrom(fields);
  const error = fields.error as Fields | null | undefined;
  if (!error || !error.isError) return payload;
  const out: Fields = {};
  for (const key in fields) out[key] = fields[key];
  out.error = errorFrom(error);
  return out;
}

function errorFrom(fields: Fields): PushlineError {
  const error = new Error(fields.message as string) as PushlineError;
  for (const key in fields) {
    if (key !== 'message' && key !== 'isError' && fields[key] !== undefined) (error as unknown as Fields)[key] = fields[key];
  }
  return error;
}
