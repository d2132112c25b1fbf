/**
 * `shared: true` — one connection for all the tabs of an origin. The tabs elect a leader that
 * alone connects; it hands every event to the others over a BroadcastChannel, which hand it to
 * their listeners, and followers' sends travel to the leader. The election is in io/tabs.ts
 * (where Web Locks or BroadcastChannel are missing, each tab connects on its own); this file
 * decides what travels and when a tab leads or follows.
 */
import { canShare, elect, type Candidacy } from '../io/tabs.js';
import type { ClientSettings } from '../options.js';
import type { OutgoingMessage } from '../outbox.js';
import type { ClientEvents } from '../types.js';
import { disconnect, isOpen, relayEvent, relaySend, setRole, unacknowledged, type Feature, type FeatureHooks, type FeatureHost, type TabRole } from './host.js';

/** The shortest interval of the leader's pings (a quarter of heartbeatTimeout otherwise). */
const MIN_PING_INTERVAL = 500;

/** What travels between the tabs of an origin. */
type TabMessage =
  /** A tab joined: the leader tells it the state (an `open` event). */
  | { type: 'hello' }
  /** A follower's message, numbered under the follower's client identity, for that leadership to send. */
  | { type: 'send'; leadership: string; sender: string; seq: number; data: string }
  /** The leader is alive (sent every ping interval). */
  | { type: 'ping'; leadership: string }
  /** An event of the leader's client (its payload as toWire() writes it), with the leader's cursor. */
  | { type: 'event'; leadership: string; name: keyof ClientEvents; payload: string; cursor: string | null }
  /** The server has every message of `sender` up to `seq` (the leader tells the follower). */
  | { type: 'ack'; leadership: string; sender: string; seq: number };

/**
 * A follower's messages stay in its own outbox, under its own client identity, until the server
 * acknowledges them through the leader. Each is posted to one leadership, the last one the
 * follower heard from (every message of a leader names its leadership), and all that are left go
 * again to the next: the previous leader may have died before sending them, or there was none
 * when they were posted. The server drops what it has already, by identity and number: exactly
 * once across a change of leader. A leader takes only what is posted to its own leadership, so it
 * gets a follower's messages in order, without a hole (a BroadcastChannel keeps each sender's
 * order): the server acknowledges cumulatively, so message 9 sent before 8 would acknowledge 8.
 */
/**
 * The version of the messages between tabs, part of the channel and lock names: tabs running
 * different Pushline versions (a page open across a deploy) elect a leader each among their own
 * version instead of reading each other's messages. Raise it when those messages change.
 */
const TAB_PROTOCOL_VERSION = 1;

function share(host: FeatureHost, options: ClientSettings): FeatureHooks | null {
  if (!options.shared || !canShare()) return null;
  const channelName = 'pushline:' + TAB_PROTOCOL_VERSION + ':' + host._baseUrl;
  let channel: BroadcastChannel;
  let candidacy: Candidacy | null = null;
  let role: TabRole = 'follower';
  /**
   * This tab's leadership, new each time it becomes the leader: a tab that leads again is a new
   * leader to the followers, which post their messages to it again.
   */
  let leadership = '';
  /** The leadership this follower last heard from: where its messages go. */
  let knownLeadership: string | null = null;
  /** When the leader was last heard from (a follower's view). */
  let leaderHeardAt = 0;
  let pingTimer: ReturnType<typeof setInterval> | undefined;

  const post = (message: TabMessage) => channel.postMessage(message);

  /** A leader hands one of its client's events to the other tabs. */
  function postEvent<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]): void {
    post({ type: 'event', leadership, name, payload: toWire(payload), cursor: host._cursor });
  }

  /** A follower posts one of its messages to the leader it knows (none known: it waits for one). */
  function postSend(message: OutgoingMessage): void {
    if (knownLeadership) post({ type: 'send', leadership: knownLeadership, sender: message.client, seq: message.seq, data: message.data });
  }

  function becomeRole(next: TabRole): void {
    role = next;
    setRole(host, next);
  }

  function standForLeader(): void {
    candidacy = elect(channelName, lead, follow);
  }

  /** This tab won the election: connect, resuming from what it delivered as a follower. */
  function lead(): void {
    if (host._state === 'closed') return;
    leadership = Math.random().toString(36).slice(2);
    becomeRole('leader');
    host._startAttempt(); // this tab's own unacknowledged messages go out once the connection opens
  }

  function follow(): void {
    disconnect(host);
    becomeRole('follower');
    leaderHeardAt = Date.now();
  }

  function receive(message: TabMessage): void {
    if (host._state === 'closed') return;
    if (message.type === 'hello') {
      // A tab that just joined learns the state from the leader (not emitted again here).
      const transport = host._transport;
      if (role === 'leader' && isOpen(host) && transport) postEvent('open', { transport, resumed: true });
      return;
    }
    if (message.type === 'send') {
      if (role === 'leader' && message.leadership === leadership) relaySend(host, message.sender, message.seq, message.data);
      return;
    }
    if (role === 'leader') return;
    leaderHeardAt = Date.now();
    // A new leader (its first ping, or its open): it gets every message of this tab the server has not acknowledged.
    if (message.leadership !== knownLeadership) {
      knownLeadership = message.leadership;
      const pending = unacknowledged(host);
      for (let i = 0; i < pending.length; i++) postSend(pending[i]);
    }
    if (message.type === 'ack') return host._acknowledge(message.sender, message.seq);
    if (message.type === 'ping') return;
    relayEvent(host, message.name, fromWire(message.payload) as never, message.cursor);
  }

  return {
    start() {
      becomeRole('follower');
      leaderHeardAt = Date.now();
      channel = new BroadcastChannel(channelName);
      channel.onmessage = (event) => receive(event.data as TabMessage);
      standForLeader();
      post({ type: 'hello' });
      const heartbeat = host._settings.heartbeatTimeout;
      pingTimer = setInterval(() => {
        if (role === 'leader') post({ type: 'ping', leadership });
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
      postSend(message); // the leader tab sends it
      return true;
    },
    acknowledged(sender, seq) {
      // A tab that led before may still hold another tab's messages: only the leader speaks for them.
      if (role === 'leader') post({ type: 'ack', leadership, sender, seq });
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
export const sharing: Feature = { option: 'shared', attach: share };

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
