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
    let leading = false;
    /**
     * The lock was stolen. It can be stolen between its grant and the callback, and WebKitGTK then
     * runs the callback after the failure (seen when two followers steal at once): that callback
     * must not lead, or two tabs would lead.
     */
    let stolen = false;
    navigator.locks
      .request(name, { steal }, () => new Promise<void>((resolve) => {
        if (released || stolen) return resolve();
        leading = true;
        giveBack = resolve;
        lead();
      }))
      .then(undefined, (error: { name?: string } | null) => {
        // AbortError: another tab stole the lock. (Any other failure, such as a SecurityError in
        // an opaque origin, would fail again: this tab then stays a follower.)
        if (!error || error.name !== 'AbortError' || released) return;
        stolen = true;
        if (leading) lose();
        // A stealing request was made beside this tab's place in the queue, which is still there;
        // a request in its place was taken: stand again.
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
