import { pushlineError, responseError } from '../errors.js';
import { openTextStream } from '../io/text-stream.js';
import { createDelimitedParser } from '../parse/delimited.js';
import { parseFrame } from '../parse/frame.js';
import type { PushlineError } from '../types.js';
import type { TransportFactory } from './transport.js';

const NON_BLANK = /\S/;
const TEXT_PLAIN = /^text\/plain/i;
/** Characters after which an XHR stream is ended and resumed, so responseText stays bounded. */
const XHR_LIMIT = 4 << 20;
const MESSAGE_HEAD = /^\s*\{"id":"((?:[^"\\]|\\.)*)"/;

/**
 * Comet HTTP streaming: one long-held response whose frames are cut out by a delimiter.
 * Reads through fetch streams, or XHR progress events in engines without them.
 */
export const streaming: TransportFactory = {
  name: 'streaming',
  supported: () => typeof XMLHttpRequest !== 'undefined',
  open(req, events) {
    let live = true;
    let answered = false;
    const stop = () => {
      live = false;
      stream.abort();
    };
    const finish = (error: PushlineError) => {
      if (!live) return;
      stop();
      events.end(error);
    };
    const parser = createDelimitedParser(
      req.delimiter,
      // Frames carry JSON escapes and the envelope, and the prelude is 2 KiB of padding: bound the
      // buffer with room for those. The exact message limit is applied by the client.
      2 * req.maxMessageSize + 4096,
      (text) => {
        // Blank frames are the prelude padding and keep-alives.
        if (live && NON_BLANK.test(text)) events.frame(parseFrame(text));
      },
      (size, head) => {
        // Message frames start with their id (PROTOCOL.md): name it, so the client resumes after it.
        const m = MESSAGE_HEAD.exec(head);
        finish(pushlineError('too-large', 'frame over maxMessageSize', 'streaming', m ? { id: JSON.parse('"' + m[1] + '"') as string } : undefined));
      },
    );
    const stream = openTextStream(
      { url: req.url(), headers: req.headers(), withCredentials: req.withCredentials, xhrLimit: XHR_LIMIT },
      {
        response(status, contentType, retryAfter) {
          const error = responseError('streaming', status, contentType, TEXT_PLAIN, retryAfter, false);
          if (error) {
            finish(error);
            return false;
          }
          answered = true;
          events.responded();
          return true;
        },
        chunk: (text) => {
          if (live) parser.push(text);
        },
        end: (failed) =>
          finish(pushlineError(answered ? 'closed' : 'refused', failed ? 'network error' : 'ended', 'streaming')),
      },
    );
    return {
      send: () => false,
      close: stop,
    };
  },
};
