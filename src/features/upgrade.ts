/**
 * `upgrade` — after a fallback from WebSocket, probe it again in the background and hand over
 * to it without losing, repeating or reordering a message. The client does the handover
 * (FeatureHost.probe: the probe resumes from the cursor while the old connection still
 * delivers; once the probe has opened and resumed, the old one is closed and what it delivered
 * meanwhile is skipped on the new one); this feature decides when to probe.
 */
import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import type { ClientSettings } from '../options.js';
import { isOpen, type Feature, type FeatureHooks, type FeatureHost } from './host.js';

/** The first probe's delay with `upgrade: true`. */
const DEFAULT_FIRST_PROBE_DELAY = 30000;
/** The longest wait between probes. */
const MAX_PROBE_DELAY = 600000;
/** Index of WebSocket in the order: the upgrade needs it first. */
const FIRST = 0;

function upgrade(host: FeatureHost, options: ClientSettings): FeatureHooks | null {
  const firstDelay = options.upgrade === true ? DEFAULT_FIRST_PROBE_DELAY : options.upgrade || 0;
  if (!firstDelay || host._settings.transports[FIRST].name !== 'websocket') return null;
  // Each failed probe doubles the wait, up to ten minutes; no jitter (one client, one probe).
  const policy: BackoffPolicy = { initialDelay: firstDelay, maxDelay: MAX_PROBE_DELAY, factor: 2, jitter: 0 };
  let failedProbes = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let due = false;

  function schedule(): void {
    if (host._transportIndex === FIRST || due) return; // already on WebSocket, or a probe is due
    due = true;
    timer = setTimeout(() => {
      due = false;
      if (!isOpen(host)) return;
      host._startProbe(FIRST, (handedOver) => {
        if (handedOver) {
          failedProbes = 0;
        } else if (isOpen(host)) {
          // The probe failed while the connection stayed: wait longer before the next one.
          failedProbes++;
          schedule();
        }
      });
    }, backoffDelay(policy, failedProbes + 1));
  }

  function cancel(): void {
    clearTimeout(timer);
    due = false;
  }

  return {
    opened: schedule,
    teardown: cancel,
  };
}

/** Upgrade back to WebSocket, for `createClient({ features })`: turned on by `upgrade`. */
export const upgrading: Feature = { option: 'upgrade', attach: upgrade };
