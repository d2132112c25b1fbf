/**
 * A module worker for the EventSource conformance suite: runs one check with the worker's native
 * EventSource or with the polyfill, and posts back what it saw. Started by
 * eventsource-conformance.test.ts with `?impl=native|polyfill&check=...&url=...`.
 */
import { PushlineEventSource, polyfill } from '../../src/index.js';

const params = new URL(location.href).searchParams;
const check = params.get('check');
const url = params.get('url') ?? '';
const scope = self as unknown as { EventSource?: unknown; postMessage(data: unknown): void };

if (params.get('impl') === 'polyfill') {
  // As a page would: take the native one away, then install the polyfill.
  delete scope.EventSource;
  scope.postMessage({ installed: polyfill() });
}
const ES = scope.EventSource as typeof EventSource;
const report = (data: unknown) => scope.postMessage({ data, isPolyfill: ES === (PushlineEventSource as unknown) });

try {
  const source = new ES(url);
  if (check === 'open') {
    source.onopen = (e) => {
      report({ readyState: source.readyState, hasData: 'data' in e, bubbles: e.bubbles, cancelable: e.cancelable });
      source.close();
    };
  } else if (check === 'message') {
    source.addEventListener('message', (e) => {
      report({ data: (e as MessageEvent).data, isMessageEvent: e instanceof MessageEvent });
      source.close();
    });
  } else if (check === 'fail') {
    source.onerror = (e) => {
      report({ readyState: source.readyState, hasData: 'data' in e });
      source.close();
    };
  }
} catch (e) {
  report({ threw: String(e) });
}
