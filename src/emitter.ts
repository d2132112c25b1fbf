/**
 * A tiny typed event emitter (mitt/nanoevents size class). A listener that throws does not
 * stop the others: the exception is re-thrown on a fresh task, as the DOM reports errors in
 * event handlers, so it reaches window.onerror without breaking delivery.
 */
type Listener<T> = (payload: T) => void;

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

export class Emitter<Events extends object> {
  private _listeners: { [K in keyof Events]?: Listener<Events[K]>[] } = {};

  on<K extends keyof Events>(name: K, fn: Listener<Events[K]>): this {
    (this._listeners[name] || (this._listeners[name] = [])).push(fn);
    return this;
  }

  off<K extends keyof Events>(name: K, fn: Listener<Events[K]>): this {
    const list = this._listeners[name];
    // Copy-on-write: an emit in progress keeps iterating the array it started with.
    if (list) this._listeners[name] = list.filter((l) => l !== fn && (l as Once<Events[K]>).fn !== fn);
    return this;
  }

  once<K extends keyof Events>(name: K, fn: Listener<Events[K]>): this {
    const wrapper: Once<Events[K]> = (payload) => {
      this.off(name, wrapper);
      fn(payload);
    };
    wrapper.fn = fn;
    return this.on(name, wrapper);
  }

  protected emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const list = this._listeners[name];
    if (!list) return;
    for (let i = 0; i < list.length; i++) report(list[i], payload);
  }
}

type Once<T> = Listener<T> & { fn?: Listener<T> };
