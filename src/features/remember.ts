/**
 * `remember` — keeps, per endpoint origin, the transport that worked last, so that the next page
 * load starts there instead of waiting again for one that a proxy kills. localStorage may be
 * missing or throw (private modes, storage disabled): then nothing is remembered.
 */
import type { ClientSettings } from '../options.js';
import { startAt, type Feature, type FeatureHooks, type FeatureHost } from './host.js';

const PREFIX = 'pushline:transport:';
/** How long a remembered transport is kept with `remember: true`: a day. */
const DEFAULT_TTL = 86400000;

/** What is kept in localStorage under PREFIX + origin. */
interface Saved {
  transport: string;
  /** Wall-clock time after which it is forgotten. */
  until: number;
}

/** localStorage, or null where it is missing or throws (private modes, storage disabled). */
function storage(): Storage | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch (e) {
    return null;
  }
}

/** The remembered transport name for this origin, if it has not expired. */
function recall(origin: string): string | null {
  const s = storage();
  try {
    const saved = s && s.getItem(PREFIX + origin);
    if (!saved) return null;
    const value = JSON.parse(saved) as Partial<Saved> | null;
    if (value && typeof value.transport === 'string' && typeof value.until === 'number' && value.until > Date.now()) return value.transport;
    forget(origin);
  } catch (e) {
    /* unreadable: treat as nothing remembered */
  }
  return null;
}

function save(origin: string, transport: string, ttl: number): void {
  const s = storage();
  try {
    const value: Saved = { transport, until: Date.now() + ttl };
    if (s) s.setItem(PREFIX + origin, JSON.stringify(value));
  } catch (e) {
    /* quota or disabled storage: not remembered */
  }
}

function forget(origin: string): void {
  const s = storage();
  try {
    if (s) s.removeItem(PREFIX + origin);
  } catch (e) {
    /* nothing to do */
  }
}

function remember(host: FeatureHost, options: ClientSettings): FeatureHooks | null {
  const ttl = options.remember === true ? DEFAULT_TTL : options.remember || 0;
  if (!ttl) return null;
  const origin = host._baseUrl.split('/').slice(0, 3).join('/');
  // Start where the last page load succeeded; fall back from there as usual.
  const known = recall(origin);
  const transports = host._settings.transports;
  for (let i = 0; i < transports.length; i++) if (transports[i].name === known) startAt(host, i);
  return {
    opened: (transport) => save(origin, transport, ttl),
    failed: (wasOpen) => {
      if (!wasOpen) forget(origin);
    },
  };
}
/** The remembered transport, for `createClient({ features })`: turned on by `remember`. */
export const remembering: Feature = { option: 'remember', attach: remember };
