/**
 * `shared: true` — one connection for all the tabs of an origin. The tabs elect a leader that
 * alone connects; it hands every event to the others over a BroadcastChannel, which hand it to
 * their listeners, and followers' sends travel to the leader. The election is in io/tabs.ts
 * (where Web Locks or BroadcastChannel are missing, each tab connects on its own); this file
 * decides what travels and when a tab leads or follows.
 */
import { canShare, elect, type Candidacy } from '../io/tabs.js';
import type { ClientSettings } from '../options.js';
import type { ClientEvents } from '../types.js';
import { featureHost, type Feature, type FeatureHooks, type FeatureHost, type TabRole } from './host.js';

/** The shortest interval of the leader's pings (a quarter of heartbeatTimeout otherwise). */
const MIN_PING_INTERVAL = 500;

/** What travels between the tabs of an origin. */
type TabMessage =
  /** A tab joined: the leader tells it the state (an `open` event). */
  | { type: 'hello' }
  /** The leader is alive (sent every ping interval). */
  | { type: 'ping' }
  /** An event of the leader's client (its payload as toWire() writes it), with the leader's cursor and tab id. */
  | { type: 'event'; name: keyof ClientEvents; payload: string; cursor: string | null; leader: string }
  /**
   * A follower's message, numbered under the follower's client identity, for the leader to send;
   * `oldest` is the follower's oldest message the server has not acknowledged.
   */
  | { type: 'send'; sender: string; seq: number; oldest: number; data: string }
  /** The server has every message of `sender` up to `seq` (the leader tells the follower). */
  | { type: 'ack'; sender: string; seq: number }
  /** The leader missed messages of `sender`: the follower posts again those from `from` on. */
  | { type: 'resend'; sender: string; from: number };

function share(host: FeatureHost, options: ClientSettings): FeatureHooks | null {
  if (!options.shared || !canShare()) return null;
  const channelName = 'pushline:' + host.baseUrl;
  const tabId = Math.random().toString(36).slice(2);
  let channel: BroadcastChannel;
  let candidacy: Candidacy | null = null;
  let role: TabRole = 'follower';
  /** When the leader was last heard from (a follower's view). */
  let leaderHeardAt = 0;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  /**
   * A follower's messages stay in its own outbox, under its own client identity, until the
   * server acknowledges them through the leader; each new leader gets them again (there may have
   * been none when they were posted, or it may have died before sending them), and a tab that
   * becomes the leader sends them itself. The server drops what it has already, by identity and
   * number: exactly once across a change of leader, when the server acknowledges.
   */
  /** A leader's view: the highest acknowledged seq of each follower identity (reposts at or below it are answered at once). */
  const acknowledgedUpTo: { [sender: string]: number } = {};
  /**
   * A leader's view: the seq it takes next from each follower identity. It passes a follower's
   * messages on without a hole, because the server acknowledges cumulatively: were message 9 sent
   * before message 8 reached the leader, the acknowledgement of 9 would claim 8 too.
   */
  const expected: { [sender: string]: number } = {};
  /** The `from` of the last resend asked of each follower: asked once, not at every message after the hole. */
  const resendAsked: { [sender: string]: number } = {};
  /** The tab id of the leader this follower last heard announce itself. */
  let knownLeader: string | null = null;

  const post = (message: TabMessage) => channel.postMessage(message);

  /** A leader hands one of its client's events to the other tabs. */
  function postEvent<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]): void {
    post({ type: 'event', name, payload: toWire(payload), cursor: host.cursor(), leader: tabId });
  }

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
    host.connect(); // this tab's own unacknowledged messages go out once the connection opens
  }

  function follow(): void {
    host.disconnect();
    becomeRole('follower');
    leaderHeardAt = Date.now();
  }

  /** A leader takes a follower's message in order, asks for what it missed, answers a repeat. */
  function takeFollowersMessage(sender: string, seq: number, oldest: number, data: string): void {
    const upTo = acknowledgedUpTo[sender];
    // A follower posts its messages again to each leader that announces itself (which may be
    // this one, answering its hello): what the server has already is answered at once.
    if (upTo !== undefined && seq <= upTo) return post({ type: 'ack', sender, seq: upTo });
    // Everything below `oldest` the server has, by the follower's word.
    const next = Math.max(expected[sender] || 0, oldest);
    if (seq < next) return; // taken already, not yet acknowledged
    if (seq > next) {
      if (resendAsked[sender] !== next) post({ type: 'resend', sender, from: next });
      resendAsked[sender] = next;
      return;
    }
    expected[sender] = seq + 1;
    host.relaySend(sender, seq, data);
  }

  /** A follower posts its messages the server has not acknowledged (from `from` on) for the leader to send. */
  function postUnacknowledged(from: number): void {
    const pending = host.unacknowledged();
    const oldest = host.oldestUnacknowledged();
    for (let i = 0; i < pending.length; i++) {
      const each = pending[i];
      if (each.seq >= from) post({ type: 'send', sender: each.client, seq: each.seq, oldest, data: each.data });
    }
  }

  function receive(message: TabMessage): void {
    if (host.state() === 'closed') return;
    if (message.type === 'hello') {
      // A tab that just joined learns the state from the leader (not emitted again here).
      const transport = host.transport();
      if (role === 'leader' && host.isOpen() && transport) {
        postEvent('open', { transport, resumed: true });
      }
      return;
    }
    if (message.type === 'send') {
      if (role === 'leader') takeFollowersMessage(message.sender, message.seq, message.oldest, message.data);
      return;
    }
    if (role === 'leader') return;
    leaderHeardAt = Date.now();
    if (message.type === 'ack') return host.acknowledge(message.sender, message.seq);
    if (message.type === 'resend') return postUnacknowledged(message.from);
    if (message.type === 'ping') return;
    // A new leader announced itself: post what may have been posted while no tab led. (Its
    // acknowledgements of what it did receive were posted before its open, so those are gone.)
    if (message.name === 'open' && message.leader !== knownLeader) {
      knownLeader = message.leader;
      postUnacknowledged(0);
    }
    host.relayEvent(message.name, fromWire(message.payload) as never, message.cursor);
  }

  return {
    start() {
      becomeRole('follower');
      leaderHeardAt = Date.now();
      channel = new BroadcastChannel(channelName);
      channel.onmessage = (event) => receive(event.data as TabMessage);
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
    queued(message) {
      if (role !== 'follower') return false;
      const oldest = host.oldestUnacknowledged(); // this message's seq at the latest
      post({ type: 'send', sender: message.client, seq: message.seq, oldest, data: message.data }); // the leader tab sends it
      return true;
    },
    acknowledged(sender, seq) {
      acknowledgedUpTo[sender] = seq;
      post({ type: 'ack', sender, seq });
    },
    emitted(name, payload) {
      // The leader hands every event (but its own close) to the other tabs.
      if (role === 'leader' && name !== 'close') postEvent(name, payload);
    },
    lifecycle(type) {
      if (type === 'freeze') {
        // A frozen tab cannot relay: leave the election (a leader hands the connection over)
        // and come back on 'resume'. The channel stays open, so this tab still gets the messages.
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
      channel.close();
    },
  };
}

/** Cross-tab sharing, for `createClient({ features })`: turned on by `shared: true`. */
export const sharing: Feature = { option: 'shared', attach: (client, options) => share(featureHost(client), options) };

type Fields = { [key: string]: unknown };

/**
 * An event's payload as JSON text. Structured cloning (postMessage) would drop an error's own
 * fields (code, transport, status...) and, in older engines, refuse an Error outright: each
 * error travels as its fields, marked, and fromWire() makes it an Error again.
 */
function toWire(payload: unknown): string {
  return JSON.stringify(payload, (key, value: unknown) => {
    if (!(value instanceof Error)) return value;
    const fields: Fields = { isError: true, message: value.message }; // message is not enumerable
    for (const field in value) fields[field] = (value as unknown as Fields)[field];
    return fields;
  });
}

/** The payload of toWire(), its errors made Errors again. */
function fromWire(text: string): unknown {
  return JSON.parse(text, (key, value: Fields | null) => {
    if (!value || value.isError !== true) return value;
    const error = new Error(value.message as string) as unknown as Fields;
    for (const field in value) if (field !== 'isError') error[field] = value[field];
    return error;
  });
}
