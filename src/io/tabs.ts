/**
 * Cross-tab plumbing for `shared: true`: a leader election (Web Locks, else a lease in
 * localStorage) and a message bus (BroadcastChannel, else localStorage `storage` events).
 * The client decides what travels; this file only moves it between tabs of one origin.
 */

export interface Bus {
  post(message: unknown): void;
  close(): void;
}

export interface Candidacy {
  /** Gives up leadership (or the place in the queue). */
  release(): void;
  /** Takes leadership from a leader that stopped answering. */
  steal(): void;
}

interface LockManagerLike {
  request(name: string, options: { steal?: boolean }, fn: () => Promise<void>): Promise<unknown>;
}

/** A lease in localStorage not renewed for this long is free to take. */
const LEASE_MS = 3000;
/** How often a leader renews its lease (and a follower looks at it). */
const LEASE_RENEWAL_MS = 1000;
/** Two tabs may take a free lease at once: each looks again after this long to see whose write won. */
const LEASE_SETTLE_MS = 50;

/** A message on the localStorage bus. */
interface StoredMessage {
  message: unknown;
  nonce: number;
}

/** The leader's lease in localStorage. */
interface Lease {
  id: string;
  until: number;
}

/** localStorage, or null where it is missing or throws (private modes, storage disabled). */
export function store(): Storage | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch (e) {
    return null;
  }
}

function locks(): LockManagerLike | null {
  const n = typeof navigator !== 'undefined' ? (navigator as unknown as { locks?: LockManagerLike }) : null;
  return n && n.locks && typeof n.locks.request === 'function' ? n.locks : null;
}

/** Whether tabs of this origin can share a connection here at all. */
export function canShare(): boolean {
  return typeof BroadcastChannel === 'function' || (!!store() && typeof window !== 'undefined');
}

export function openBus(name: string, receive: (message: unknown) => void): Bus {
  if (typeof BroadcastChannel === 'function') {
    const channel = new BroadcastChannel(name);
    channel.onmessage = (e) => receive(e.data);
    return { post: (m) => channel.postMessage(m), close: () => channel.close() };
  }
  // Fallback: setting a key fires `storage` in every other tab of the origin.
  const key = name + ':bus';
  const s = store();
  const listener = (e: StorageEvent) => {
    if (e.key !== key || !e.newValue) return;
    try {
      receive((JSON.parse(e.newValue) as StoredMessage).message);
    } catch (err) {
      /* not ours */
    }
  };
  window.addEventListener('storage', listener);
  let posted = 0;
  return {
    post(message) {
      try {
        // A value equal to the one stored fires no event: the nonce makes each one new.
        const stored: StoredMessage = { message, nonce: ++posted + Math.random() };
        if (s) s.setItem(key, JSON.stringify(stored));
      } catch (err) {
        /* storage full or disabled: this message is not shared */
      }
    },
    close: () => window.removeEventListener('storage', listener),
  };
}

/** Calls `lead` when this tab becomes the leader for `name`, `lose` if another tab takes over. */
export function elect(name: string, lead: () => void, lose: () => void): Candidacy {
  const l = locks();
  let done = false;
  if (l) {
    let release: (() => void) | null = null;
    const ask = (steal: boolean) => {
      let mine = false;
      l.request(name, steal ? { steal: true } : {}, () => new Promise<void>((resolve) => {
        if (done) return resolve();
        mine = true;
        release = resolve;
        lead();
      })).then(undefined, () => {
        // The request fails when another tab steals the lock from us.
        if (mine && !done) lose();
      });
    };
    ask(false);
    return {
      release() {
        done = true;
        if (release) release();
      },
      steal: () => ask(true),
    };
  }
  // Fallback: a lease renewed every second; a lease older than LEASE_MS is free to take.
  const s = store();
  const key = name + ':leader';
  const me = Math.random().toString(36).slice(2);
  let leading = false;
  const read = () => {
    try {
      return JSON.parse((s && s.getItem(key)) || 'null') as Lease | null;
    } catch (e) {
      return null;
    }
  };
  const take = () => {
    try {
      const lease: Lease = { id: me, until: Date.now() + LEASE_MS };
      if (s) s.setItem(key, JSON.stringify(lease));
    } catch (e) {
      /* cannot lead without storage */
    }
  };
  const tick = () => {
    if (done) return;
    const lease = read();
    if (leading && lease && lease.id !== me) {
      leading = false;
      lose();
      return;
    }
    if (!lease || lease.id === me || lease.until < Date.now()) {
      take();
      // Two tabs may take a free lease at once: the later write wins, the other stays a follower.
      setTimeout(() => {
        const now = read();
        if (!done && !leading && now && now.id === me) {
          leading = true;
          lead();
        }
      }, LEASE_SETTLE_MS);
    }
  };
  const timer = setInterval(tick, LEASE_RENEWAL_MS);
  tick();
  return {
    release() {
      done = true;
      clearInterval(timer);
      const lease = read();
      try {
        if (s && lease && lease.id === me) s.removeItem(key);
      } catch (e) {
        /* nothing to do */
      }
    },
    steal: () => {
      take();
      tick();
    },
  };
}
