/** The nchan profile's pure parts: wire formats as nchan 1.3 sends them, and URL building. */
import { expect } from 'chai';
import { nchan } from '../../src/profiles/nchan.js';
import { nodeFactory, subscriberUrl, type Connect } from '../../src/profiles/nchan/node.js';
import type { TransportRequest } from '../../src/transports/transport.js';
import { idFromHeaders, multipartBoundary, parseMetaFrame, parsePart } from '../../src/profiles/nchan/parse.js';

describe('nchan: wire formats', () => {
  it('idFromHeaders: Last-Modified seconds + Etag tag; compound Etag; quoted and weak Etags; junk', () => {
    expect(idFromHeaders('Wed, 25 Nov 2026 21:46:52 GMT', '0')).to.equal('1795643212:0');
    expect(idFromHeaders('Wed, 25 Nov 2026 21:46:52 GMT', '"12"')).to.equal('1795643212:12');
    expect(idFromHeaders('Wed, 25 Nov 2026 21:46:52 GMT', 'W/"3"')).to.equal('1795643212:3');
    expect(idFromHeaders(null, '1795643212:4')).to.equal('1795643212:4');
    expect(idFromHeaders(null, '7')).to.equal(null);
    expect(idFromHeaders('not a date', '7')).to.equal(null);
    expect(idFromHeaders('Wed, 25 Nov 2026 21:46:52 GMT', null)).to.equal(null);
  });

  it('parseMetaFrame: ws+meta.nchan metadata, body verbatim (blank lines included)', () => {
    expect(parseMetaFrame('id: 1795643226:0\ncontent-type: text/plain\n\nmulti\nline')).to.deep.equal({ id: '1795643226:0', data: 'multi\nline' });
    expect(parseMetaFrame('id: 1:2\ncontent-type: \n\n')).to.deep.equal({ id: '1:2', data: '' });
    expect(parseMetaFrame('id: 1:2\n\na\n\nb')).to.deep.equal({ id: '1:2', data: 'a\n\nb' });
    expect(parseMetaFrame('content-type: text/plain\n\nno id')).to.equal(null);
    expect(parseMetaFrame('plain message')).to.equal(null);
  });

  it('multipartBoundary and parsePart: nchan multipart/mixed parts', () => {
    expect(multipartBoundary('multipart/mixed; boundary=LQOxvUc14orU46lEfUyiTcGjR6ApL/Mi')).to.equal('LQOxvUc14orU46lEfUyiTcGjR6ApL/Mi');
    expect(multipartBoundary('multipart/mixed; boundary="a b"')).to.equal('a b');
    expect(multipartBoundary('text/plain')).to.equal(null);
    expect(parsePart('')).to.equal('skip');
    expect(parsePart('--\r\n')).to.equal('skip');
    expect(parsePart('\r\nLast-Modified: Wed, 25 Nov 2026 21:47:06 GMT\r\nEtag: 0\r\nContent-Type: text/plain\r\n\r\nmulti\nline')).to.deep.equal({
      id: '1795643226:0',
      data: 'multi\nline',
    });
    expect(parsePart('\r\nContent-Type: text/plain\r\n\r\nno id')).to.equal(null);
    expect(parsePart('garbage')).to.equal(null);
  });

  it('URLs: the node URL with the application query, and last_event_id instead of Pushline parameters', () => {
    // What a node connector is given: the node's URL with the application's `query` option only.
    const urls: string[] = [];
    const record: Connect = (url) => {
      urls.push(url);
      return { send: () => false, close() {} };
    };
    const request = { cursor: () => '1:2', applicationQuery: () => ({ x: '1' }) } as unknown as TransportRequest;
    const events = { responded() {}, frame() {}, end() {}, acknowledged() {}, sendFailed() {} };
    nodeFactory('sse', ['http://a/sub/ch?id=1#frag'], () => true, { nodeTimeout: 1000 }, record).open(request, events).close();
    expect(urls).to.deep.equal(['http://a/sub/ch?id=1&x=1']);
    // What the connector asks for: resume with nchan's parameter, plus its own (a token where headers cannot go).
    expect(subscriberUrl('http://a/sub/ch?id=1&x=1', '17:0')).to.equal('http://a/sub/ch?id=1&x=1&last_event_id=17%3A0');
    expect(subscriberUrl('http://a/sub/ch', null, { access_token: 't', other: null })).to.equal('http://a/sub/ch?access_token=t');
    expect(subscriberUrl('http://a/sub/ch', null)).to.equal('http://a/sub/ch');
  });

  it('nchan(): factories per transport, the publisher as the send endpoint, heartbeat off unless asked', () => {
    const s = nchan(['http://a.test/sub/c', 'http://b.test/sub/c'], { publishUrl: 'http://a.test/pub/c', transports: ['sse', 'longpoll'], token: 't' });
    expect(s.transports.map((f) => f.name)).to.deep.equal(['sse', 'longpoll']);
    expect(s.endpoints).to.deep.equal({ send: 'http://a.test/pub/c' });
    expect(s.heartbeatTimeout).to.equal(0); // off
    expect((s as unknown as Record<string, unknown>).token).to.equal('t');
    expect((s as unknown as Record<string, unknown>).publishUrl).to.equal(undefined);
    expect(nchan('http://a.test/s', { heartbeatTimeout: 5000 }).heartbeatTimeout).to.equal(5000);
    // Without a publisher, send() has nowhere to POST, and the client is told so.
    expect(nchan('http://a.test/s').endpoints!.send).to.equal(false);
    expect(() => nchan([])).to.throw(TypeError);
  });
});
