/**
 * What nchan puts on the wire, turned into (id, data) pairs. Pure: strings in, values out; no
 * timers, no I/O. docs/nchan.md shows each format as nchan 1.3 sends it.
 *
 * nchan message ids are `<unix seconds>:<tag>` (`1795643212:0`); Pushline keeps them opaque and
 * only hands them back in the `last_event_id` query parameter.
 */

/** One nchan message: its id and its body as text. */
export interface NchanMessage {
  id: string;
  data: string;
}

/** An Etag without weak prefix or quotes (nchan sends it bare; proxies may quote it). */
function bareEtag(etag: string): string {
  let e = etag.replace(/^\s+|\s+$/g, '');
  if (e.slice(0, 2) === 'W/') e = e.slice(2);
  if (e.length > 1 && e.charAt(0) === '"' && e.charAt(e.length - 1) === '"') e = e.slice(1, -1);
  return e;
}

/**
 * The message id of a long-poll response or of a multipart part: nchan splits it into
 * `Last-Modified` (the time, as an HTTP date) and `Etag` (the tag). With
 * `nchan_subscriber_compound_etag_message_id on` the whole id is in the Etag. Null when the
 * headers do not make an id (then the response is not an nchan message).
 */
export function idFromHeaders(lastModified: string | null, etag: string | null): string | null {
  if (etag === null) return null;
  const tag = bareEtag(etag);
  if (!tag) return null;
  if (tag.indexOf(':') > 0) return tag;
  if (!lastModified) return null;
  const ms = Date.parse(lastModified);
  if (isNaN(ms)) return null;
  return Math.floor(ms / 1000) + ':' + tag;
}

/**
 * A text frame of the `ws+meta.nchan` WebSocket subprotocol: metadata lines (`id: …`,
 * `content-type: …`), an empty line, then the message body verbatim. Null without an id.
 */
export function parseMetaFrame(text: string): NchanMessage | null {
  const end = text.indexOf('\n\n');
  if (end < 0) return null;
  const lines = text.slice(0, end).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.slice(0, 3).toLowerCase() === 'id:') {
      const id = line.slice(3).replace(/^\s+|\s+$/g, '');
      return id ? { id, data: text.slice(end + 2) } : null;
    }
  }
  return null;
}

/** The boundary of a `multipart/mixed` Content-Type, or null. */
export function multipartBoundary(contentType: string): string | null {
  if (!/^\s*multipart\/mixed/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  return m ? m[1] || m[2] : null;
}

/**
 * One part of nchan's multipart/mixed stream, as cut out at the delimiter `\r\n--<boundary>`:
 * `\r\n` + headers (`Last-Modified`, `Etag`, `Content-Type`) + `\r\n\r\n` + body.
 * Returns the message, `'skip'` for what is not a part (the empty text before the first
 * boundary, the closing `--` of the last one), or null for a part without a usable id.
 */
export function parsePart(part: string): NchanMessage | 'skip' | null {
  if (part.slice(0, 2) !== '\r\n') return part === '' || part.slice(0, 2) === '--' ? 'skip' : null;
  const end = part.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = end < 2 ? '' : part.slice(2, end);
  let lastModified: string | null = null;
  let etag: string | null = null;
  const lines = head.split('\r\n');
  for (let i = 0; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon < 0) continue;
    const name = lines[i].slice(0, colon).toLowerCase();
    const value = lines[i].slice(colon + 1).replace(/^\s+|\s+$/g, '');
    if (name === 'last-modified') lastModified = value;
    else if (name === 'etag') etag = value;
  }
  const id = idFromHeaders(lastModified, etag);
  return id ? { id, data: part.slice(end + 4) } : null;
}
