/**
 * The client's options: defaults, checks, and the options that may be functions (re-read before
 * every connection attempt, so that a token can be refreshed).
 */
import { DEFAULT_RECONNECT } from './backoff.js';
import type { Feature } from './features/host.js';
import type { TransportFactory } from './transports/transport.js';
import { DEFAULT_DELIMITER } from './transports/streaming.js';
import type { ClientOptions, Dynamic, Endpoints, ReconnectOptions } from './types.js';

export const DEFAULT_CONNECT_TIMEOUT = 10000;

/** The defaults of the options that are plain values (ms, characters, messages, flags). */
const DEFAULTS = {
  endpoints: {} as Endpoints,
  connectTimeout: DEFAULT_CONNECT_TIMEOUT,
  heartbeatTimeout: 45000,
  withCredentials: false,
  headers: {} as Dynamic<Record<string, string>>,
  query: {} as Dynamic<Record<string, string>>,
  token: null as Dynamic<string | null>,
  tokenInQuery: false,
  delimiter: DEFAULT_DELIMITER,
  maxMessageSize: 1048576,
  sendQueueSize: 10000,
  /** Ms a hidden page keeps its connection with `whenHidden: 'pause'`. */
  pauseAfter: 30000 as number | null,
  decode: null as ((data: string, event: string) => unknown) | null,
  logger: null as ((event: string, detail: unknown) => void) | null,
};

/**
 * Options with the parts already chosen: transport factories instead of names, and the optional
 * features. `connect()` passes all four built-in transports and every feature; `createClient()`
 * takes only what it is given, so a bundler keeps only those.
 */
export type ClientSettings = Omit<ClientOptions, 'transports'> & {
  transports: TransportFactory[];
  /** Optional features the options may turn on: `sharing`, `upgrading`, `remembering`. */
  features?: Feature[];
};

/** @internal The options with every default applied. */
export interface Settings {
  transports: TransportFactory[];
  endpoints: Endpoints;
  connectTimeout: number;
  heartbeatTimeout: number;
  /** Null when reconnection is off. */
  reconnect: Required<ReconnectOptions> | null;
  withCredentials: boolean;
  headers: Dynamic<Record<string, string>>;
  query: Dynamic<Record<string, string>>;
  token: Dynamic<string | null>;
  tokenInQuery: boolean;
  delimiter: string;
  maxMessageSize: number;
  sendQueueSize: number;
  /** Ms hidden before the connection pauses, or null to keep it in hidden pages. */
  pauseAfter: number | null;
  decode: ((data: string, event: string) => unknown) | null;
  logger: ((event: string, detail: unknown) => void) | null;
}

/** The value of each key of `defaults` in `given`, or the default where `given` has none. */
function withDefaults<T extends object>(given: { [K in keyof T]?: T[K] }, defaults: T): T {
  const out = {} as T;
  for (const key in defaults) {
    const value = given[key];
    out[key] = value === undefined ? defaults[key] : (value as T[typeof key]);
  }
  return out;
}

export function resolveSettings(options: ClientSettings): Settings {
  const transports = options.transports;
  if (!transports || !transports.length) throw new TypeError('Pushline: `transports` is empty');
  const settings = withDefaults(options, DEFAULTS) as Settings;
  if (!settings.delimiter) throw new TypeError('Pushline: `delimiter` is empty');
  settings.transports = transports;
  settings.reconnect = options.reconnect === false ? null : withDefaults(options.reconnect || {}, DEFAULT_RECONNECT);
  if (options.whenHidden !== 'pause') settings.pauseAfter = null;
  return settings;
}

/** What the options given as functions returned for one connection attempt. */
export interface DynamicValues {
  headers: Record<string, string>;
  query: Record<string, string>;
  token: string | null;
}

type Thenable<T> = { then(resolved: (value: T) => void, rejected: (reason: unknown) => void): unknown };

function isThenable(value: unknown): value is Thenable<unknown> {
  return !!value && typeof (value as Thenable<unknown>).then === 'function';
}

/**
 * Calls the options given as functions, in order (`headers`, `query`, `token`), and waits for
 * the promises they return. Calls `done` with the values, or `failed` with the option's name and
 * what it threw or rejected with; no option is called after one that threw. Promise-free, so
 * that the ES5 script tag needs no Promise.
 */
export function resolveDynamic(
  settings: Settings,
  done: (values: DynamicValues) => void,
  failed: (option: keyof DynamicValues, reason: unknown) => void,
): void {
  const values: DynamicValues = { headers: {}, query: {}, token: null };
  const keys: (keyof DynamicValues)[] = ['headers', 'query', 'token'];
  let waiting = 1;
  let over = false;
  const settle = () => {
    if (--waiting === 0 && !over) done(values);
  };
  const fail = (key: keyof DynamicValues, reason: unknown) => {
    if (over) return;
    over = true;
    failed(key, reason);
  };
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    let value: unknown = settings[key];
    if (typeof value === 'function') {
      try {
        value = (value as () => unknown)();
      } catch (e) {
        return fail(key, e);
      }
    }
    if (isThenable(value)) {
      waiting++;
      value.then(
        (resolved) => {
          (values as unknown as Record<string, unknown>)[key] = resolved;
          settle();
        },
        (reason) => fail(key, reason),
      );
    } else {
      (values as unknown as Record<string, unknown>)[key] = value;
    }
  }
  settle();
}
