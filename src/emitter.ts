/**
 * How listeners are called, by the client's emitter and by the EventSource polyfill alike: a
 * listener that throws does not stop the others. The exception is re-thrown on a fresh task, as
 * the DOM reports errors in event handlers, so it reaches window.onerror without breaking delivery.
 */

/** Calls a listener; an exception is re-thrown on a fresh task (window.onerror sees it) and stops nothing. */
export function report<T>(fn: (this: unknown, payload: T) => void, payload: T, self?: unknown): void {
  try {
    fn.call(self, payload);
  } catch (e) {
    setTimeout(() => {
      throw e;
    });
  }
}
