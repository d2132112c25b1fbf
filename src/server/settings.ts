/**
 * The server's options checked, with their defaults applied: what createServer() and the CLI
 * both use, so that `--port 99999` and `createServer({ port: 99999 })` are refused alike, before
 * anything listens. Each check names the option as the caller spells it (`port` for
 * createServer, `--port` for the CLI).
 */
import { statSync } from 'node:fs';
import type { ServerOptions } from './index.js';

/** The options with their defaults applied. `path` is '' for the origin root. */
export type Settings = Required<Omit<ServerOptions, 'static' | 'onMessage' | 'allowOrigins' | 'retry' | 'authorize'>> & ServerOptions;

/** How an option is named in error messages: its own name for createServer, the flag for the CLI. */
export type OptionName = (option: keyof ServerOptions) => string;

/** The longest delay setTimeout honours: a longer one fires after 1 ms instead (Node clamps it). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * The largest maxBodySize. `ws` keeps its maxPayload in a 32-bit integer and reads 0 (or what
 * wraps to 0 or below) as "no limit", so 0 and anything above this would leave WebSocket frames
 * unbounded while HTTP bodies are limited. (0 would also refuse every HTTP message.)
 */
const MAX_BODY_SIZE = 2 ** 31 - 1;

export interface Range {
  min: number;
  /** Default: no upper bound. */
  max?: number;
  /** Whole numbers only. Default false. */
  integer?: boolean;
}

/** The bounds of each numeric option. */
export const RANGES = {
  port: { min: 0, max: 65535, integer: true },
  history: { min: 0, integer: true },
  heartbeat: { min: 0, max: MAX_DELAY_MS }, // 0: no pings
  pollTimeout: { min: 1, max: MAX_DELAY_MS },
  maxBodySize: { min: 1, max: MAX_BODY_SIZE, integer: true },
  // An integer: the SSE retry field is digits only.
  retry: { min: 0, max: MAX_DELAY_MS, integer: true },
} satisfies Partial<Record<keyof ServerOptions, Range>>;

export const DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  history: 1000,
  heartbeat: 15000,
  pollTimeout: 25000,
  delimiter: '\n',
  maxBodySize: 1024 * 1024,
} as const;

/** Returns `value` when it is a number within `range`, else throws a RangeError naming the option. */
export function checkRange(name: string, value: unknown, { min, max = Infinity, integer = false }: Range): number {
  const fits = typeof value === 'number' && (integer ? Number.isInteger(value) : Number.isFinite(value)) && value >= min && value <= max;
  if (!fits) {
    const bounds = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`${name} must be ${integer ? 'an integer' : 'a number'} ${bounds}, got ${String(value)}`);
  }
  return value;
}

/**
 * The URL path the endpoints are mounted at: '' for the origin root, else '/a' or '/a/b' with no
 * trailing slash. Only a path in the form a URL parser leaves alone is taken (no query, fragment,
 * dot segments or characters that need percent-encoding), so that it matches request paths as
 * they arrive. '//…' is refused: a page would read it as another host.
 */
export function checkPath(name: string, value: unknown): string {
  const example = `e.g. '/realtime'`;
  if (value === undefined) return '';
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) {
    throw new TypeError(`${name} must be a URL path starting with a single '/', ${example}; got ${JSON.stringify(value)}`);
  }
  const path = value.replace(/\/+$/, '');
  if (path && new URL(path, 'http://host').pathname !== path) {
    throw new TypeError(`${name} must be a plain URL path (no query, fragment, '.' or '..' segments, or characters that need percent-encoding), ${example}; got ${JSON.stringify(value)}`);
  }
  return path;
}

/** The folder to serve, which must exist: a mistyped one would otherwise only show as 404s. */
function checkFolder(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !value) throw new TypeError(`${name} must be the path of a folder`);
  const info = statSync(value, { throwIfNoEntry: false });
  if (!info) throw new TypeError(`${name}: no such folder: ${value}`);
  if (!info.isDirectory()) throw new TypeError(`${name}: not a folder: ${value}`);
  return value;
}

function checkBoolean(name: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${name} must be true or false`);
  return value === true;
}

/** Checks every option; throws a TypeError or RangeError naming the first wrong one. */
export function settle(options: ServerOptions, nameOf: OptionName = (option) => option): Settings {
  if (options.allowOrigins !== undefined && !Array.isArray(options.allowOrigins)) throw new TypeError(`${nameOf('allowOrigins')} must be an array of origins`);
  if (options.authorize !== undefined && typeof options.authorize !== 'function') throw new TypeError(`${nameOf('authorize')} must be a function`);
  const number = (option: keyof typeof RANGES, fallback: number) => checkRange(nameOf(option), options[option] ?? fallback, RANGES[option]);
  return {
    ...options,
    port: number('port', DEFAULTS.port),
    host: options.host ?? DEFAULTS.host,
    path: checkPath(nameOf('path'), options.path),
    static: checkFolder(nameOf('static'), options.static),
    bundles: checkBoolean(nameOf('bundles'), options.bundles),
    history: number('history', DEFAULTS.history),
    mounts: options.mounts ?? {},
    heartbeat: number('heartbeat', DEFAULTS.heartbeat),
    pollTimeout: number('pollTimeout', DEFAULTS.pollTimeout),
    delimiter: options.delimiter ?? DEFAULTS.delimiter,
    maxBodySize: number('maxBodySize', DEFAULTS.maxBodySize),
    retry: options.retry === undefined ? undefined : checkRange(nameOf('retry'), options.retry, RANGES.retry),
    controls: checkBoolean(nameOf('controls'), options.controls),
  };
}
