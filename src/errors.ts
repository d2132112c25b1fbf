import type { ErrorCode, PushlineError, TransportName } from './types.js';

/** Builds a PushlineError: a real Error (stack, instanceof Error) with typed fields. */
export function pushlineError(
  code: ErrorCode,
  message: string,
  transport: TransportName | null,
  extra?: { status?: number; closeCode?: number },
): PushlineError {
  const e = new Error('Pushline: ' + message) as PushlineError;
  e.name = 'PushlineError';
  e.code = code;
  e.transport = transport;
  if (extra) {
    if (extra.status !== undefined) e.status = extra.status;
    if (extra.closeCode !== undefined) e.closeCode = extra.closeCode;
  }
  return e;
}
