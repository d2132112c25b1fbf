import type { ErrorCode, PushlineError, TransportName } from './types.js';

/** Builds a PushlineError: a real Error (stack, instanceof Error) with typed fields. */
export function pushlineError(
  code: ErrorCode,
  message: string,
  transport: TransportName | null,
  extra?: { status?: number; closeCode?: number; retryAfter?: number; id?: string },
): PushlineError {
  // "Pushline websocket: closed 1006" — the transport, when there is one, names the context.
  const e = new Error('Pushline' + (transport ? ' ' + transport : '') + ': ' + message) as PushlineError;
  e.name = 'PushlineError';
  e.code = code;
  e.transport = transport;
  const fields = e as unknown as { [k: string]: unknown };
  for (const k in extra) if ((extra as { [k: string]: unknown })[k] !== undefined) fields[k] = (extra as { [k: string]: unknown })[k];
  return e;
}

/**
 * Checks an HTTP response of a transport: status 200 and the expected content type.
 * Returns the error to report, or null when the response is usable. `answered` tells whether
 * the connection had opened before (a later failure is `closed`, an early one `refused`).
 */
export function responseError(
  transport: TransportName,
  status: number,
  contentType: string,
  expected: RegExp,
  retryAfter: string | null,
  answered: boolean,
): PushlineError | null {
  const code = answered ? 'closed' : 'refused';
  if (!status) return pushlineError(code, 'network error', transport);
  // 204: the server tells the client to stop (as for EventSource).
  if (status === 204) return pushlineError('closed-by-server', '204, stop', transport, { status });
  if (status !== 200) {
    return pushlineError(code, 'HTTP ' + status, transport, { status, retryAfter: parseRetryAfter(retryAfter) });
  }
  if (!expected.test(contentType)) {
    return pushlineError(code, 'type ' + contentType, transport, { status });
  }
  return null;
}

/** Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return +value * 1000; // digits only: Number() reads them as parseInt does
  const at = Date.parse(value);
  return isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
