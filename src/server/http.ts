/**
 * HTTP plumbing shared by every route: complete responses, request bodies, request targets,
 * CORS and preflights. Nothing here knows the Pushline protocol.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Thrown while handling a request to answer it with `status` and a plain-text `message`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** For 'error' events whose only job is to stop an unhandled-error crash: the close that follows is handled. */
export const ignore = (): void => {};

/** A complete response with a Content-Length: nothing for a proxy or an XHR to wait for. */
export function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

/** A plain-text answer (errors, mostly). Once a stream has begun, the only way to say "error" is to cut it. */
export function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.destroy();
  send(res, status, 'text/plain; charset=utf-8', text + '\n', headers);
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/** Writes a complete HTTP/1.1 response on a socket that Node's HTTP layer has let go (upgrades). */
export function rawResponse(socket: Duplex, status: number, reason: string, body: string, type = 'text/plain; charset=utf-8'): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/** Reads a request body of at most `limit` bytes (413 beyond, checked before reading when declared). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) return reject(new HttpError(413, 'body too large'));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      reject(new HttpError(413, 'body too large'));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => reject(new Error('request aborted'))); // no-op once settled
  });
}

/** Parses an origin-form request target; null for anything else (absolute-form, '*', garbage). */
export function parseUrl(target: string | undefined): URL | null {
  if (!target?.startsWith('/')) return null;
  try {
    return new URL('http://host' + target);
  } catch {
    return null;
  }
}

/**
 * Whether a request from `origin` may be served: any origin when no list is given or the list
 * holds '*', else a listed one. The server's own origin (a page it serves itself) always passes.
 */
export function originAllowed(allowOrigins: readonly string[] | undefined, origin: string, host: string | undefined): boolean {
  return !allowOrigins || allowOrigins.includes('*') || allowOrigins.includes(origin) || origin === `http://${host}`;
}

/** CORS on every response: reflect the (allowed) origin, with credentials. */
export function setCors(res: ServerResponse, origin: string | undefined): void {
  res.setHeader('Vary', 'Origin');
  if (origin === undefined) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  // Lets a cross-origin client read Retry-After for its backoff.
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
}

/** Answers a CORS preflight, for any path: it grants what was asked, the request itself is judged later. */
export function preflight(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Vary', 'Origin, Access-Control-Request-Headers');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  const asked = req.headers['access-control-request-headers'];
  if (asked) res.setHeader('Access-Control-Allow-Headers', asked);
  // Chromium's Private Network Access asks this before a public page may reach localhost.
  if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true');
  res.setHeader('Access-Control-Max-Age', '600');
  res.writeHead(204).end();
}
