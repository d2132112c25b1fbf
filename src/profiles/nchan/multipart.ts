import { pushlineError, responseError } from '../../errors.js';
import { openTextStream, XHR_RESPONSE_LIMIT } from '../../io/text-stream.js';
import { createDelimitedParser, type DelimitedParser } from '../../parse/delimited.js';
import { ConnectionLife } from '../../transports/transport.js';
import { copyHeaders, subscriberUrl, type Connect } from './node.js';
import { multipartBoundary, parsePart } from './parse.js';

/** The content type is checked for multipart/mixed below, with a message of its own. */
const ANY_TYPE = /(?:)/;

/**
 * nchan's multipart/mixed subscriber (`Accept: multipart/mixed`), read progressively like the
 * streaming transport (fetch streams, or XHR progress events). Each message is one part with
 * its own `Last-Modified` + `Etag`, i.e. its id, so this stream can resume with
 * `?last_event_id=`, unlike nchan's http-raw-stream, which carries no ids (docs/nchan.md).
 * Parts are cut at `\r\n--<boundary>`; nchan writes that delimiter right after each message,
 * so a message is complete as soon as it has arrived.
 */
export const multipartConnect: Connect = (url, cursor, request, sink) => {
  let answered = false;
  let parser: DelimitedParser | null = null;
  const life = new ConnectionLife(sink, () => stream.abort());
  const onPart = (text: string) => {
    if (!life.live) return;
    const part = parsePart(text);
    if (part === 'skip') return;
    if (!part) {
      life.close();
      return sink.garbage('a multipart part without Last-Modified/Etag message id');
    }
    sink.message(part.id, part.data);
  };
  const headers = copyHeaders(request.headers());
  headers.Accept = 'multipart/mixed';
  const stream = openTextStream(
    { url: subscriberUrl(url, cursor), headers, withCredentials: request.withCredentials, xhrLimit: XHR_RESPONSE_LIMIT },
    {
      response(status, contentType, retryAfter) {
        const boundary = multipartBoundary(contentType);
        const error =
          responseError('streaming', status, contentType, ANY_TYPE, retryAfter, false) ||
          (boundary
            ? null
            : pushlineError('refused', 'nchan answered "' + contentType + '" instead of multipart/mixed (is multipart-mixed enabled at this location?)', 'streaming', { status }));
        if (error || !boundary) {
          if (error) life.end(error);
          return false;
        }
        answered = true;
        parser = createDelimitedParser('\r\n--' + boundary, request.maxMessageSize, onPart, () =>
          life.end(pushlineError('too-large', 'a multipart part exceeded maxMessageSize', 'streaming')),
        );
        // The body starts with `--boundary` and no CRLF before it: make the first delimiter whole.
        parser.push('\r\n');
        sink.open();
        return true;
      },
      chunk: (text) => {
        if (life.live && parser) parser.push(text);
      },
      end: (failed) =>
        life.end(pushlineError(answered ? 'closed' : 'refused', failed ? 'multipart request failed' : 'the multipart stream ended', 'streaming')),
    },
  );
  return {
    send: () => false,
    close: () => life.close(),
  };
};
