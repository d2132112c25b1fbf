/**
 * Cross-tab plumbing for `shared: true`: the leader election, over Web Locks. The tabs talk over a
 * BroadcastChannel (features/sharing.ts). Both are in every engine since 2022 (Safari 15.4); where
 * either is missing, tabs do not share: each connects on its own. Web Locks exist only in secure
 * contexts (https:, localhost), so a page served over plain http: does not share either.
 */

export interface Candidacy {
  /** Gives up leadership (or the place in the queue). */
  release(): void;
  /** Takes leadership from a leader that stopped answering. */
  steal(): void;
}

/** Whether tabs of this origin can share a connection here at all. */
export function canShare(): boolean {
  return typeof BroadcastChannel === 'function' && typeof navigator !== 'undefined' && !!navigator.locks;
}

/**
 * Stands this tab for leader of `name`: calls `lead` when it holds the lock, and `lose` when
 * another tab steals it (then this tab stands again, to lead once that tab goes).
 */
export function elect(name: string, lead: () => void, lose: () => void): Candidacy {
  let released = false;
  /** Ends the lock callback of the request this tab holds, which gives the lock back. */
  let giveBack: (() => void) | null = null;
  const ask = (steal: boolean) => {
    let granted = false;
    navigator.locks
      .request(name, { steal }, () => new Promise<void>((resolve) => {
        if (released) return resolve();
        granted = true;
        giveBack = resolve;
        lead();
      }))
      .then(undefined, () => {
        // A held request fails when another tab steals the lock. A stealing request was made
        // beside this tab's place in the queue, which is still there; a queued one was not.
        if (!granted || released) return;
        lose();
        if (!steal) ask(false);
      });
  };
  ask(false);
  return {
    release() {
      released = true;
      if (giveBack) giveBack();
    },
    steal: () => ask(true),
  };
}
