/** Plain static files: enough to serve a test page, the demo and the built bundles. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

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

/** The package's dist/ folder, where the browser bundles are: this file is dist/server/files.js. */
export const BUNDLES_FOLDER = fileURLToPath(new URL('../', import.meta.url));

/** The bundles' names at the origin root: the top-level `pushline*` files of dist/ (not dist/server/). */
const BUNDLE_PATH = /^\/pushline[\w.-]*$/;

/** Where files are looked for, in this order. */
export interface FileRoots {
  /** Folders under URL prefixes; a matching prefix is final, even when the file is missing. */
  mounts: Record<string, string>;
  /** The folder served at the root. */
  static?: string;
  /** Serve the bundles at the root, for names that `static` does not have. */
  bundles: boolean;
}

/**
 * The files a URL path may name, to be tried in order (the first that exists is served): the
 * one under the first mount whose prefix matches, alone; else the one under `static`, then the
 * bundle of that name. Empty when there is none.
 */
export function findFiles(urlPath: string, roots: FileRoots): string[] {
  for (const [prefix, dir] of Object.entries(roots.mounts)) {
    const p = prefix.replace(/\/+$/, '');
    if (urlPath === p || urlPath.startsWith(p + '/')) return present(resolveUnder(dir, urlPath.slice(p.length) || '/'));
  }
  const bundle = roots.bundles && BUNDLE_PATH.test(urlPath) ? resolveUnder(BUNDLES_FOLDER, urlPath) : null;
  return [...present(roots.static === undefined ? null : resolveUnder(roots.static, urlPath)), ...present(bundle)];
}

function present(file: string | null): string[] {
  return file === null ? [] : [file];
}
