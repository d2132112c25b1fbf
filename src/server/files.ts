/** Plain static files: enough to serve a test page, the demo and the built bundles. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * Maps a URL path (still percent-encoded) to a file under `root`, or null when it would leave
 * `root` or cannot be decoded. Directory traversal is stopped here, after decoding, so that
 * %2e%2e and %2f cannot sneak past the URL parser's own dot-segment removal.
 */
export function resolveUnder(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const base = path.resolve(root);
  const file = path.join(base, decoded);
  return file === base || file.startsWith(base + path.sep) ? file : null;
}

/**
 * Serves `file` (a directory serves its index.html). Resolves false when there is no such
 * file, so the caller can answer 404; GET and HEAD only.
 */
export async function sendFile(file: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = path.join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return false;
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  // pipeline destroys the response if the file read fails midway; the client sees a cut body.
  await pipeline(createReadStream(file), res).catch(() => res.destroy());
  return true;
}

/**
 * The file a URL path names: under the first mount whose prefix matches (a matching mount is
 * final, even when the file is missing), else under `root`. Null when there is none.
 */
export function findFile(urlPath: string, mounts: Record<string, string>, root: string | undefined): string | null {
  for (const [prefix, dir] of Object.entries(mounts)) {
    const p = prefix.replace(/\/+$/, '');
    if (urlPath === p || urlPath.startsWith(p + '/')) return resolveUnder(dir, urlPath.slice(p.length) || '/');
  }
  return root === undefined ? null : resolveUnder(root, urlPath);
}
