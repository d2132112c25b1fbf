/**
 * What nchan puts on the wire, turned into (id, data) pairs, and what its message ids say about
 * the messages before them. Pure: strings in, values out; no timers, no I/O. docs/nchan.md shows
 * each format as nchan 1.3 sends it.
 *
 * nchan message ids are `<unix seconds>:<tag>` (`1795643212:0`). Pushline hands them back in the
 * `last_event_id` query parameter, and reads one thing in them: nchan (memory store and Redis
 * alike) numbers the messages of one second 0, 1, 2, …, so the message before `T:k` is `T:k-1`
 * whenever k > 0 (before `T:0` is some earlier second's last message, which no id names).
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

/**
 * The parts of a long-poll answer that batches several messages
 * (`nchan_longpoll_multipart_response on`): the body as text, `--<boundary>` before each part,
 * `--<boundary>--` after the last. Each part is `\r\n`, an optional `Content-Type` line, an empty
 * line, then the message. Returns the messages' bodies in order, or null if the body is not
 * such a batch. The parts carry no ids: see batchIds().
 */
export function parseBatch(body: string, boundary: string): string[] | null {
  // Cut like the multipart stream: at each `\r\n--<boundary>`, with the first one made whole.
  const pieces = ('\r\n' + body).split('\r\n--' + boundary);
  const closing = pieces.pop();
  if (pieces.shift() !== '' || closing === undefined || closing.slice(0, 2) !== '--') return null;
  const parts: string[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const part = pieces[i];
    const end = part.indexOf('\r\n\r\n');
    if (part.slice(0, 2) !== '\r\n' || end < 0) return null;
    parts.push(part.slice(end + 4));
  }
  return parts.length ? parts : null;
}

/** An nchan message id taken apart: the second it was published in, and its number in that second. */
interface IdParts {
  time: number;
  tag: number;
}

/**
 * `<seconds>:<tag>` taken apart; null for anything else (multi-channel ids `T:[a],b`, ids
 * Pushline made up for unnamed messages, an application's own lastEventId).
 */
function idParts(id: string): IdParts | null {
  const match = /^(\d+):(\d+)$/.exec(id);
  return match ? { time: +match[1], tag: +match[2] } : null;
}

function idString(parts: IdParts): string {
  return parts.time + ':' + parts.tag;
}

/** The id of the message before `id` on its channel, when the id says it (tag > 0), else null. */
export function predecessorOf(id: string): string | null {
  const parts = idParts(id);
  return parts && parts.tag > 0 ? idString({ time: parts.time, tag: parts.tag - 1 }) : null;
}

/**
 * How `id` stands to `previous`, the message delivered (or resumed from) just before it:
 * - `next`: it is the message after `previous`;
 * - `hole`: messages published between them are missing;
 * - `behind`: it is not newer than `previous` (nchan's store was emptied or replaced: its new
 *   messages count again from the current second);
 * - `same`: it is `previous` again;
 * - `unknown`: its id does not name its predecessor (the first message of a second, or an id
 *   that is not `<seconds>:<tag>`).
 */
export type Succession = 'next' | 'hole' | 'behind' | 'same' | 'unknown';

export function succession(previous: string, id: string): Succession {
  const before = idParts(previous);
  const after = idParts(id);
  if (!before || !after) return 'unknown';
  if (after.time < before.time || (after.time === before.time && after.tag <= before.tag)) {
    return after.time === before.time && after.tag === before.tag ? 'same' : 'behind';
  }
  if (after.tag === 0) return 'unknown';
  return after.time === before.time && after.tag === before.tag + 1 ? 'next' : 'hole';
}

/** Joins an anchor id and a count in the ids Pushline gives the messages nchan names not. */
const POSITION_MARK = '+';

/**
 * An id for the `count`-th message nchan answered after `anchor` (the id a request resumed
 * from, '' for none), for a message that came without an id of its own. Not an nchan id: a
 * client that resumes from it asks nchan for what follows `anchor` and skips `count` messages.
 */
export function positionId(anchor: string, count: number): string {
  return anchor + POSITION_MARK + count;
}

/** The anchor and count of a positionId(), or null for any other id. */
export function parsePosition(id: string): { anchor: string; count: number } | null {
  const mark = id.lastIndexOf(POSITION_MARK);
  if (mark < 0 || !/^\d+$/.test(id.slice(mark + 1))) return null;
  return { anchor: id.slice(0, mark), count: +id.slice(mark + 1) };
}

/**
 * The ids of the `count` messages of a long-poll batch, in order. The answer names only the last
 * one (`last`). The messages of its second before it are `T:k-1`, `T:k-2`, … (see the top of
 * this file). With `continuing` (the request resumed from `anchor` on a connection that has
 * delivered it, so nchan, which had `anchor` a moment ago, continues right after it) the
 * messages of `anchor`'s second follow it, `A:j+1`, `A:j+2`, … when the batch spans no other
 * second. The rest, which no id names, get a positionId() after `anchor` ('' for none).
 */
export function batchIds(anchor: string, count: number, last: string, continuing: boolean): string[] {
  const ids: string[] = [];
  const lastParts = idParts(last);
  const anchorParts = continuing ? idParts(anchor) : null;
  // How many messages at the end of the batch are in the last one's second, their ids known.
  const named = lastParts ? Math.min(count, lastParts.tag + 1) : 1;
  const leading = count - named;
  const fromAnchor = !!anchorParts && !!lastParts && anchorParts.time === lastParts.time - 1;
  for (let i = 1; i <= leading; i++) {
    ids.push(fromAnchor && anchorParts ? idString({ time: anchorParts.time, tag: anchorParts.tag + i }) : positionId(anchor, i));
  }
  for (let i = named - 1; i >= 0; i--) ids.push(lastParts ? idString({ time: lastParts.time, tag: lastParts.tag - i }) : last);
  return ids;
}
