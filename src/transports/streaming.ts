import { pushlineError } from '../errors.js';
import { createDelimitedParser } from '../parse/delimited.js';
import { parseFrame } from '../parse/frame.js';
import { openHttpStream } from './http-stream.js';
import type { TransportFactory } from './transport.js';

/** The frame delimiter when the application sets none; any other goes in the `delimiter` parameter. */
export const DEFAULT_DELIMITER = '\n';
const NON_BLANK = /\S/;
const TEXT_PLAIN = /^text\/plain/i;
/** A message frame starts with its id (PROTOCOL.md): enough to name a frame that is too large. */
const MESSAGE_HEAD = /^\s*\{"id":"((?:[^"\\]|\\.)*)"/;
/** Room for the JSON envelope and escapes around a message, and for the 2 KiB prelude. */
const FRAME_OVERHEAD = 4096;

/**
 * Comet HTTP streaming: one long-held response whose frames are cut out by a delimiter.
 * Reads through fetch streams, or XHR progress events in engines without them.
 */
export const streaming: TransportFactory = {
  name: 'streaming',
  path: '/stream',
  supported: () => typeof XMLHttpRequest !== 'undefined',
  needs: 'XMLHttpRequest',
  open(request, events) {
    const delimiter = request.delimiter === DEFAULT_DELIMITER ? null : request.delimiter;
    return openHttpStream('streaming', request, events, {
      url: request.url({ delimiter }),
      headers: request.headers(),
      contentType: TEXT_PLAIN,
      reader(life) {
        const parser = createDelimitedParser(
          request.delimiter,
          // JSON escapes can double a message's length: bound the buffer with room for them. The
          // exact message limit is applied by the client.
          2 * request.maxMessageSize + FRAME_OVERHEAD,
          (text) => {
            // Blank frames are the prelude padding and keep-alives.
            if (life.live && NON_BLANK.test(text)) events.frame(parseFrame(text));
          },
          (size, head) => {
            // Name the message, so that the client resumes after it instead of receiving it again.
            const match = MESSAGE_HEAD.exec(head);
            const id = match ? (JSON.parse('"' + match[1] + '"') as string) : undefined;
            life.end(pushlineError('too-large', 'frame over maxMessageSize', 'streaming', { id }));
          },
        );
        return (text) => parser.push(text);
      },
    });
  },
};
