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

const LEASE_MS = 3000;

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
      receive(JSON.parse(e.newValue).m);
    } catch (err) {
      /* not ours */
    }
  };
  window.addEventListener('storage', listener);
  let n = 0;
  return {
    post(m) {
      try {
        if (s) s.setItem(key, JSON.stringify({ m, n: ++n + Math.random() }));
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
      return JSON.parse((s && s.getItem(key)) || 'null') as { id: string; until: number } | null;
    } catch (e) {
      return null;
    }
  };
  const take = () => {
    try {
      if (s) s.setItem(key, JSON.stringify({ id: me, until: Date.now() + LEASE_MS }));
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
      }, 50);
    }
  };
  const timer = setInterval(tick, 1000);
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
