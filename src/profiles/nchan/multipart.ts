import { pushlineError, responseError } from '../../errors.js';
import { openTextStream } from '../../io/text-stream.js';
import { createDelimitedParser, type DelimitedParser } from '../../parse/delimited.js';
import type { PushlineError } from '../../types.js';
import { copyHeaders, nodeUrl, type Connect } from './node.js';
import { multipartBoundary, parsePart } from './parse.js';

const ANY = /(?:)/;
/** Characters after which an XHR-read stream is ended and resumed (responseText keeps them all). */
const XHR_LIMIT = 4 << 20;

/**
 * nchan's multipart/mixed subscriber (`Accept: multipart/mixed`), read progressively like the
 * streaming transport (fetch streams, or XHR progress events). Each message is one part with
 * its own `Last-Modified` + `Etag`, i.e. its id, so this stream can resume with
 * `?last_event_id=`, unlike nchan's http-raw-stream, which carries no ids (docs/nchan.md).
 * Parts are cut at `\r\n--<boundary>`; nchan writes that delimiter right after each message,
 * so a message is complete as soon as it has arrived.
 */
export const multipartConnect: Connect = (url, cursor, req, sink) => {
  let live = true;
  let answered = false;
  let parser: DelimitedParser | null = null;
  const finish = (error: PushlineError) => {
    if (!live) return;
    live = false;
    stream.abort();
    sink.end(error);
  };
  const onPart = (text: string) => {
    if (!live) return;
    const part = parsePart(text);
    if (part === 'skip') return;
    if (!part) {
      live = false;
      stream.abort();
      return sink.garbage('a multipart part without Last-Modified/Etag message id');
    }
    sink.message(part.id, part.data);
  };
  const headers = copyHeaders(req.headers());
  headers.Accept = 'multipart/mixed';
  const stream = openTextStream(
    { url: nodeUrl(url, '', cursor), headers, withCredentials: req.withCredentials, xhrLimit: XHR_LIMIT },
    {
      response(status, contentType, retryAfter) {
        let error = responseError('streaming', status, contentType, ANY, retryAfter, false);
        const boundary = multipartBoundary(contentType);
        if (!error && !boundary) {
          error = pushlineError('refused', 'nchan answered "' + contentType + '" instead of multipart/mixed (is multipart-mixed enabled at this location?)', 'streaming', { status });
        }
        if (error || !boundary) {
          finish(error as PushlineError);
          return false;
        }
        answered = true;
        parser = createDelimitedParser('\r\n--' + boundary, req.maxMessageSize, onPart, () =>
          finish(pushlineError('too-large', 'a multipart part exceeded maxMessageSize', 'streaming')),
        );
        // The body starts with `--boundary` and no CRLF before it: make the first delimiter whole.
        parser.push('\r\n');
        sink.open();
        return true;
      },
      chunk: (text) => {
        if (live && parser) parser.push(text);
      },
      end: (failed) =>
        finish(pushlineError(answered ? 'closed' : 'refused', failed ? 'multipart request failed' : 'the multipart stream ended', 'streaming')),
    },
  );
  return {
    send: () => false,
    close() {
      live = false;
      stream.abort();
    },
  };
};
