/** The nchan profile's pure parts: wire formats as nchan 1.3 sends them, and URL building. */
import { expect } from 'chai';
import { nchan } from '../../src/profiles/nchan.js';
import { nodeFactory, subscriberUrl, type Connect } from '../../src/profiles/nchan/node.js';
import type { TransportRequest } from '../../src/transports/transport.js';
import {
  batchIds,
  idFromHeaders,
  multipartBoundary,
  parseBatch,
  parseMetaFrame,
  parsePart,
  parsePosition,
  positionId,
  predecessorOf,
  succession,
} from '../../src/profiles/nchan/parse.js';
import { Continuity, planResume, RecentMessages } from '../../src/profiles/nchan/resume.js';

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

  it('parseBatch: a multipart long-poll answer as nchan 1.3.6 sends it, parts with and without Content-Type', () => {
    const b = 'kzpfUBXJVjHx1ZqhXARJiMeToAA88zcu';
    const body =
      `--${b}\r\n\r\nfirst\r\n--${b}\r\nContent-Type: \r\n\r\nno type\r\n` +
      `--${b}\r\nContent-Type: text/plain;charset=UTF-8\r\n\r\nm0\r\n\r\nwith blank lines\r\n--${b}\r\n\r\n\r\n--${b}--\r\n`;
    expect(parseBatch(body, b)).to.deep.equal(['first', 'no type', 'm0\r\n\r\nwith blank lines', '']);
    expect(parseBatch(`--${b}\r\n\r\nonly\r\n--${b}--\r\n`, b)).to.deep.equal(['only']);
    // Not a batch: no closing boundary, text before the first one, a part without its empty line, no parts.
    expect(parseBatch(`--${b}\r\n\r\ncut short`, b)).to.equal(null);
    expect(parseBatch(`junk--${b}\r\n\r\nx\r\n--${b}--\r\n`, b)).to.equal(null);
    expect(parseBatch(`--${b}\r\nContent-Type: x\r\n--${b}--\r\n`, b)).to.equal(null);
    expect(parseBatch(`--${b}--\r\n`, b)).to.equal(null);
  });

  it('message ids: the predecessor named by the tag, and how one id follows another', () => {
    expect(predecessorOf('1796158318:3')).to.equal('1796158318:2');
    expect(predecessorOf('1796158318:0')).to.equal(null); // an earlier second's last message
    expect(predecessorOf('1796158318:[3],0')).to.equal(null); // multi-channel ids are left alone
    expect(predecessorOf('1796158318:3+2')).to.equal(null);
    expect(succession('100:3', '100:4')).to.equal('next');
    expect(succession('100:3', '100:6')).to.equal('hole');
    expect(succession('99:3', '100:2')).to.equal('hole'); // 100:0 and 100:1 are missing
    expect(succession('99:3', '100:0')).to.equal('unknown'); // the first of its second
    expect(succession('100:3', '100:3')).to.equal('same');
    expect(succession('100:3', '100:1')).to.equal('behind'); // a store that started again
    expect(succession('100:3', '99:7')).to.equal('behind');
    expect(succession('100:3', 'garbage')).to.equal('unknown');
    expect(succession('100:3+2', '100:5')).to.equal('unknown');
  });

  it('position ids and batchIds: nchan ids for the last second of a batch, positions after the cursor before it', () => {
    expect(positionId('100:3', 2)).to.equal('100:3+2');
    expect(parsePosition('100:3+2')).to.deep.equal({ anchor: '100:3', count: 2 });
    expect(parsePosition('+4')).to.deep.equal({ anchor: '', count: 4 });
    expect(parsePosition('100:3')).to.equal(null);
    expect(parsePosition('a+b')).to.equal(null);
    // All in the last message's second: every id is known.
    expect(batchIds('100:3', 3, '100:6', false)).to.deep.equal(['100:4', '100:5', '100:6']);
    // Two seconds: the three of second 101 are named, the two before are positions after 100:3 ...
    expect(batchIds('100:3', 5, '101:2', false)).to.deep.equal(['100:3+1', '100:3+2', '101:0', '101:1', '101:2']);
    // ... or, continuing right after 100:3, the next ones of its second.
    expect(batchIds('100:3', 5, '101:2', true)).to.deep.equal(['100:4', '100:5', '101:0', '101:1', '101:2']);
    // Three seconds: how many are in 100 and how many in 101 no id tells.
    expect(batchIds('100:3', 5, '102:1', true)).to.deep.equal(['100:3+1', '100:3+2', '100:3+3', '102:0', '102:1']);
    // Without a cursor, and with a last id that is not <seconds>:<tag>.
    expect(batchIds('', 2, '101:0', true)).to.deep.equal(['+1', '101:0']);
    expect(batchIds('7:1', 2, '101:[0],3', true)).to.deep.equal(['7:1+1', '101:[0],3']);
  });

  it('planResume: ask for what follows the predecessor and expect the cursor; positions skip; batches need the body', () => {
    const none = new RecentMessages();
    expect(planResume(null, none, false)).to.deep.equal({ ask: null, skip: 0, expect: null });
    // The tag names the predecessor.
    expect(planResume('100:3', none, false)).to.deep.equal({ ask: '100:2', skip: 0, expect: '100:3' });
    // The first of a second: only the message delivered before it names it.
    expect(planResume('101:0', none, false)).to.deep.equal({ ask: '101:0', skip: 0, expect: null });
    const recent = new RecentMessages();
    recent.record('100:3', 'c');
    recent.record('101:0', 'd');
    expect(planResume('101:0', recent, false)).to.deep.equal({ ask: '100:3', skip: 0, expect: '101:0' });
    // A transport with unnamed messages recognizes the cursor only by a body it knows.
    expect(planResume('101:0', recent, true)).to.deep.equal({ ask: '100:3', skip: 0, expect: '101:0' });
    expect(planResume('100:7', recent, true)).to.deep.equal({ ask: '100:7', skip: 0, expect: null });
    // A position: ask after its anchor, skip its count.
    expect(planResume('100:3+2', recent, false)).to.deep.equal({ ask: '100:3', skip: 2, expect: null });
    expect(planResume('+2', recent, false)).to.deep.equal({ ask: null, skip: 2, expect: null });
    const afterPosition = new RecentMessages();
    afterPosition.record('100:3+1', 'x');
    afterPosition.record('101:0', 'y');
    expect(planResume('101:0', afterPosition, false)).to.deep.equal({ ask: '101:0', skip: 0, expect: null });
  });

  it('Continuity: the expected message dropped, holes and a store that went back are gaps, unknowns delivered', () => {
    const recent = new RecentMessages();
    const run = (cursor: string | null, ids: string[], data?: string[]) => {
      const continuity = new Continuity(cursor, planResume(cursor, recent, false), recent);
      return ids.map((id, i) => continuity.check(id, data ? data[i] : id));
    };
    // Resumed from 100:3 (asked after 100:2): 100:3 again proves it, then the rest follows.
    expect(run('100:3', ['100:3', '100:4', '101:0', '101:1'])).to.deep.equal(['drop', 'deliver', 'deliver', 'deliver']);
    // nchan no longer had 100:3: its oldest message comes instead.
    expect(run('100:3', ['100:9', '100:10'])).to.deep.equal(['gap', 'deliver']);
    expect(run('100:3', ['105:0'])).to.deep.equal(['gap']);
    // ... unless that message is the one after 100:3 (100:3 just went out of the buffer).
    expect(run('100:3', ['100:4'])).to.deep.equal(['deliver']);
    // No predecessor known: only what the ids show.
    expect(run('101:0', ['102:0', '102:1', '102:5', '102:4', '102:4'])).to.deep.equal(['deliver', 'deliver', 'gap', 'gap', 'drop']);
    expect(run('101:0', ['101:2'])).to.deep.equal(['gap']);
    expect(run(null, ['5:0', '5:2'])).to.deep.equal(['deliver', 'gap']);
    // A position cursor: skip what was delivered, check nothing before.
    expect(run('100:3+2', ['a', 'b', '100:9', '100:10'])).to.deep.equal(['drop', 'drop', 'deliver', 'deliver']);
  });

  it('Continuity with unnamed messages: the expected message recognized by its body', () => {
    const recent = new RecentMessages();
    recent.record('100:3', 'c');
    recent.record('101:0', 'd');
    const plan = planResume('101:0', recent, true);
    expect(plan).to.deep.equal({ ask: '100:3', skip: 0, expect: '101:0' });
    // A batch after 100:3 whose first part is 101:0 again (its body), the next ones unnamed too.
    let continuity = new Continuity('101:0', plan, recent);
    expect(['d', 'e', 'f'].map((data, i) => continuity.check(positionId('100:3', i + 1), data))).to.deep.equal(['drop', 'deliver', 'deliver']);
    // A batch whose first part is another message: 101:0 is gone.
    continuity = new Continuity('101:0', plan, recent);
    expect(continuity.check(positionId('100:3', 1), 'other')).to.equal('gap');
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
    const options = { nodeTimeout: 1000, unnamedMessages: false, recent: new RecentMessages() };
    nodeFactory('sse', ['http://a/sub/ch?id=1#frag'], () => true, options, record).open(request, events).close();
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
