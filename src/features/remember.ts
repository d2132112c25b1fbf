/**
 * `remember` — keeps, per endpoint origin, the transport that worked last, so that the next page
 * load starts there instead of waiting again for one that a proxy kills. localStorage may be
 * missing or throw (private modes, storage disabled): then nothing is remembered.
 */
import type { Client, ClientSettings, Feature, FeatureHooks } from '../client.js';
import { store as storage } from '../io/tabs.js';

const PREFIX = 'pushline:transport:';


/** The remembered transport name for this origin, if it has not expired. */
function recall(origin: string): string | null {
  const s = storage();
  try {
    const saved = s && s.getItem(PREFIX + origin);
    if (!saved) return null;
    const v = JSON.parse(saved) as { t: string; until: number };
    if (v && typeof v.t === 'string' && v.until > Date.now()) return v.t;
    forget(origin);
  } catch (e) {
    /* unreadable: treat as nothing remembered */
  }
  return null;
}

function save(origin: string, transport: string, ttl: number): void {
  const s = storage();
  try {
    if (s) s.setItem(PREFIX + origin, JSON.stringify({ t: transport, until: Date.now() + ttl }));
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

function remember(c: Client, o: ClientSettings): FeatureHooks | null {
  const ttl = o.remember === true ? 86400000 : o.remember || 0;
  if (!ttl) return null;
  const origin = c._base.split('/').slice(0, 3).join('/');
  // Start where the last page load succeeded; fall back from there as usual.
  const known = recall(origin);
  const t = c._s.transports;
  for (let i = 0; i < t.length; i++) if (t[i].name === known) c._index = c._roundStart = i;
  return {
    opened: (name) => save(origin, name, ttl),
    failed: (wasOpen) => {
      if (!wasOpen) forget(origin);
    },
  };
}
/** The remembered transport, for `createClient({ features })`: turned on by `remember`. */
export const remembering: Feature = { option: 'remember', setup: remember };
