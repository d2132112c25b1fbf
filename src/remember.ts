/**
 * Remembers, per endpoint origin, the transport that worked last, so that the next page load
 * starts there instead of waiting again for one that a proxy kills. localStorage may be missing
 * or throw (private modes, storage disabled): then nothing is remembered.
 */
const PREFIX = 'pushline:transport:';

function storage(): Storage | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch (e) {
    return null;
  }
}

/** The remembered transport name for this origin, if it has not expired. */
export function recall(origin: string): string | null {
  const s = storage();
  try {
    const saved = s && s.getItem(PREFIX + origin);
    if (!saved) return null;
    const v = JSON.parse(saved) as { t: string; until: number };
    if (v && typeof v.t === 'string' && v.until > new Date().getTime()) return v.t;
    forget(origin);
  } catch (e) {
    /* unreadable: treat as nothing remembered */
  }
  return null;
}

export function remember(origin: string, transport: string, ttl: number): void {
  const s = storage();
  try {
    if (s) s.setItem(PREFIX + origin, JSON.stringify({ t: transport, until: new Date().getTime() + ttl }));
  } catch (e) {
    /* quota or disabled storage: not remembered */
  }
}

export function forget(origin: string): void {
  const s = storage();
  try {
    if (s) s.removeItem(PREFIX + origin);
  } catch (e) {
    /* nothing to do */
  }
}
