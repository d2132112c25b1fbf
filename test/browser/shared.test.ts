/** Cross-tab sharing: several pages of one origin, one connection, every message in every tab. */
import { expect } from 'chai';
import { createClient, sharing, sse } from '../../src/index.js';
import type { Client, PushlineError } from '../../src/index.js';
import { ORIGIN, audit, drop, publish, publishMany, received, receivedWhere, sleep, unblockAll, waitFor } from './helpers.js';

interface Tab {
  name: string;
  frame: HTMLIFrameElement;
  ids: string[];
  role: string | null;
  state: string | null;
  /** The API the page took away (`?without=`) and its type after that, e.g. 'locks: undefined'. */
  hidden: string | null;
  /** Of its sendMany: callbacks called once with null, and callbacks called otherwise. */
  sends: { once: number; other: number; lastError?: string | null };
}

async function stats(): Promise<Record<string, number>> {
  const res = await fetch(ORIGIN + '/_control/stats');
  return ((await res.json()) as { connections: Record<string, number> }).connections;
}

/** The tabs (iframes of test/pages/shared.html) of one describe block, and what they report. */
function tabGroup(): { tabs: Tab[]; open(name: string, query?: string): Tab } {
  const tabs: Tab[] = [];
  const onMessage = (e: MessageEvent) => {
    if (e.origin !== ORIGIN || e.data?.source !== 'shared') return;
    const tab = tabs.find((t) => t.name === e.data.tab);
    if (!tab) return;
    if (e.data.type === 'message') tab.ids.push(e.data.payload.id);
    if (e.data.type === 'role') {
      tab.role = e.data.payload.role;
      tab.state = e.data.payload.state;
      tab.hidden = e.data.payload.hidden;
    }
    if (e.data.type === 'sent') tab.sends = { once: e.data.payload.once, other: e.data.payload.other, lastError: e.data.payload.lastError };
  };
  before(async () => {
    await unblockAll();
    window.addEventListener('message', onMessage);
  });
  after(() => {
    window.removeEventListener('message', onMessage);
    for (const t of tabs.splice(0)) t.frame.remove();
  });
  return {
    tabs,
    open(name, query = '') {
      const frame = document.createElement('iframe');
      const tab: Tab = { name, frame, ids: [], role: null, state: null, hidden: null, sends: { once: 0, other: 0 } };
      frame.src = `${ORIGIN}/test/pages/shared.html?tab=${name}${query}`;
      tabs.push(tab);
      document.body.appendChild(frame);
      return tab;
    },
  };
}

describe('shared connection across tabs', function () {
  this.timeout(60000);
  const { tabs, open } = tabGroup();

  // Five, not eight: at six streams per host a browser starves its own pages, this test's
  // control requests included (WebKit then hangs them). That starvation is the point of sharing.
  it('without sharing, 5 tabs hold 5 connections (the baseline)', async () => {
    const own: Tab[] = [];
    for (let i = 0; i < 5; i++) own.push(open('solo' + i, '&shared=0'));
    try {
      let live = { sse: 0, longpoll: 0 } as Record<string, number>;
      for (let i = 0; i < 100 && live.sse + live.longpoll < 5; i++) {
        await sleep(100);
        live = await stats();
      }
      console.log(`SHARED baseline: 5 tabs without sharing, ${live.sse + live.longpoll} connections at the server`);
      expect(live.sse + live.longpoll).to.equal(5);
    } finally {
      for (const t of own) {
        t.frame.remove();
        tabs.splice(tabs.indexOf(t), 1);
      }
      await sleep(300);
    }
  });

  it('one leader holds the only connection; every tab gets every message once, in order; a follower can send', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) open(n);
    await waitFor(() => tabs.every((t) => t.role) && tabs.filter((t) => t.role === 'leader').length === 1, 'one leader', 15000);
    await sleep(500);
    const live = await stats();
    expect(live.sse + live.longpoll, 'connections at the server for 8 tabs').to.equal(1);
    const ids = await publishMany(Array.from({ length: 50 }, (_, i) => ({ data: 's' + i })));
    await waitFor(() => tabs.every((t) => t.ids.length >= 50), 'every tab to get 50 messages', 15000);
    for (const t of tabs) expect(t.ids, t.name).to.deep.equal(ids);
    const follower = tabs.find((t) => t.role === 'follower')!;
    const token = 'from a follower ' + Math.random();
    follower.frame.contentWindow!.postMessage({ cmd: 'send', data: token }, ORIGIN);
    await receivedWhere((r) => r.data === token, 1);
    console.log(`SHARED: 8 tabs, ${live.sse + live.longpoll} connection at the server`);
  });

  it('a leader about to freeze hands over to another tab, which resumes', async () => {
    const leader = tabs.find((t) => t.role === 'leader')!;
    const counts = tabs.map((t) => t.ids.length);
    leader.frame.contentWindow!.postMessage({ cmd: 'freeze' }, ORIGIN);
    await waitFor(() => leader.role === 'follower' && tabs.filter((t) => t.role === 'leader').length === 1, 'a new leader', 15000);
    const ids = await publishMany(Array.from({ length: 10 }, (_, i) => ({ data: 'after freeze ' + i })));
    await waitFor(() => tabs.every((t, i) => t.ids.length >= counts[i] + 10), 'every tab to get the messages', 15000);
    for (let i = 0; i < tabs.length; i++) expect(tabs[i].ids.slice(counts[i]), tabs[i].name).to.deep.equal(ids);
  });

  it('when the leader tab goes away, another takes over and resumes: nothing lost or repeated in any tab', async () => {
    const leader = tabs.find((t) => t.role === 'leader')!;
    const before = tabs.filter((t) => t !== leader).map((t) => t.ids.length);
    const publishing = (async () => {
      const all: string[] = [];
      for (let i = 0; i < 20; i++) {
        all.push(...(await publishMany([{ data: 'during ' + i }])));
        await sleep(100);
      }
      return all;
    })();
    await sleep(300);
    leader.frame.remove(); // the tab closes
    tabs.splice(tabs.indexOf(leader), 1);
    const published = await publishing;
    await waitFor(() => tabs.some((t) => t.role === 'leader'), 'a new leader', 15000);
    await waitFor(() => tabs.every((t, i) => t.ids.length >= before[i] + published.length), 'every message in every tab', 20000);
    await sleep(300);
    for (let i = 0; i < tabs.length; i++) expect(tabs[i].ids.slice(before[i]), tabs[i].name).to.deep.equal(published);
    const live = await stats();
    expect(live.sse + live.longpoll).to.equal(1);
  });

  it("followers' sends go through the leader exactly once, in order, across the leader tab closing mid-stream", async () => {
    const COUNT = 600;
    const leader = tabs.find((t) => t.role === 'leader')!;
    const senders = tabs.filter((t) => t.role === 'follower').slice(0, 2);
    const tags = senders.map((t) => `shared-${t.name}-${Math.random().toString(36).slice(2)}`);
    senders.forEach((t, i) => t.frame.contentWindow!.postMessage({ cmd: 'sendMany', tag: tags[i], count: COUNT, perTick: 10, every: 20 }, ORIGIN));
    await sleep(600); // mid-stream
    leader.frame.remove(); // the tab closes with what it was sending for the others
    tabs.splice(tabs.indexOf(leader), 1);
    await waitFor(() => senders.every((t) => t.sends.once + t.sends.other === COUNT), 'every callback', 30000);
    await sleep(500); // a late duplicate would land by now
    for (let i = 0; i < senders.length; i++) {
      const got = (await received(tags[i] + '-')).map((r) => r.data);
      const sent = Array.from({ length: COUNT }, (_, n) => `${tags[i]}-${n}`);
      const result = audit(sent, got);
      console.log(`SHARED SENDS ${senders[i].name}: sends=${COUNT} lost=${result.lost} duplicated=${result.duplicated} inOrder=${result.inOrder} callbacksOnce=${senders[i].sends.once} lastError=${senders[i].sends.lastError}`);
      expect(result, senders[i].name).to.deep.equal({ lost: 0, duplicated: 0, inOrder: true });
      expect(senders[i].sends).to.deep.equal({ once: COUNT, other: 0, lastError: null });
    }
  });

  it("a follower's send made while no tab leads reaches the server once, when a tab leads again", async () => {
    const leader = tabs.find((t) => t.role === 'leader')!;
    const follower = tabs.find((t) => t.role === 'follower')!;
    const token = 'sent between leaders ' + Math.random();
    // The leader goes first; the send is posted while nobody leads (the next tab in line gets
    // the lock within milliseconds, and connects).
    leader.frame.remove();
    tabs.splice(tabs.indexOf(leader), 1);
    follower.frame.contentWindow!.postMessage({ cmd: 'send', data: token }, ORIGIN);
    await waitFor(() => tabs.some((t) => t.role === 'leader'), 'a new leader', 15000);
    await receivedWhere((r) => r.data === token, 1, 15000);
    await sleep(1000); // a repeat would arrive by now
    expect(await receivedWhere((r) => r.data === token, 1)).to.have.length(1);
  });

  it('a leader that stops answering is replaced after heartbeatTimeout (6 s here): it follows, every tab gets every message', async () => {
    const leader = tabs.find((t) => t.role === 'leader')!;
    const counts = tabs.map((t) => t.ids.length);
    leader.frame.contentWindow!.postMessage({ cmd: 'mute' }, ORIGIN);
    await sleep(300);
    // The silent leader still delivers these itself; the others get them from the next leader,
    // which resumes from its own last id.
    const during = await publishMany(Array.from({ length: 5 }, (_, i) => ({ data: 'leader silent ' + i })));
    await waitFor(() => leader.role === 'follower' && tabs.filter((t) => t.role === 'leader').length === 1, 'the silent leader replaced', 20000);
    leader.frame.contentWindow!.postMessage({ cmd: 'unmute' }, ORIGIN);
    const after = await publishMany(Array.from({ length: 5 }, (_, i) => ({ data: 'after the steal ' + i })));
    await waitFor(() => tabs.every((t, i) => t.ids.length >= counts[i] + 10), 'every message in every tab', 15000);
    await sleep(300);
    for (let i = 0; i < tabs.length; i++) expect(tabs[i].ids.slice(counts[i]), tabs[i].name).to.deep.equal([...during, ...after]);
    expect(tabs.filter((t) => t.role === 'leader')).to.have.length(1);
    const live = await stats();
    expect(live.sse + live.longpoll).to.equal(1);
  });
});

for (const missing of ['locks', 'BroadcastChannel']) {
  describe(`shared: true without ${missing === 'locks' ? 'Web Locks' : 'BroadcastChannel'}: each tab connects on its own`, function () {
    this.timeout(60000);
    const { tabs, open } = tabGroup();
    const live = async () => {
      const connections = await stats();
      return connections.sse + connections.longpoll;
    };
    before(async () => {
      // The tabs of the tests above are gone; their connections close with them.
      for (let i = 0; i < 100 && (await live()) > 0; i++) await sleep(100);
      expect(await live(), 'connections left at the server').to.equal(0);
    });

    it('three tabs, three connections, no role; each gets every message in order and can send', async () => {
      for (const n of ['x', 'y', 'z']) open(n + missing, '&without=' + missing);
      await waitFor(() => tabs.every((t) => t.state === 'open'), 'every tab open', 15000);
      for (const t of tabs) expect({ hidden: t.hidden, role: t.role }, t.name).to.deep.equal({ hidden: missing + ': undefined', role: null });
      await sleep(300);
      expect(await live(), 'connections at the server for 3 tabs').to.equal(3);
      const ids = await publishMany(Array.from({ length: 10 }, (_, i) => ({ data: missing + ' ' + i })));
      await waitFor(() => tabs.every((t) => t.ids.length >= 10), 'every tab to get 10 messages', 15000);
      for (const t of tabs) expect(t.ids, t.name).to.deep.equal(ids);
      const token = 'without ' + missing + ' ' + Math.random();
      tabs[1].frame.contentWindow!.postMessage({ cmd: 'send', data: token }, ORIGIN);
      await receivedWhere((r) => r.data === token, 1);
      await sleep(300);
      expect(await receivedWhere((r) => r.data === token, 1)).to.have.length(1);
    });
  });
}

describe('a sharing follower with a full send queue', () => {
  const clients: Client[] = [];
  after(() => {
    for (const c of clients.splice(0)) c.close();
  });

  it('refuses the send: send() returns false and a queue-full error is emitted', async () => {
    // Two clients in this page share one connection like two tabs (their own base URL, so the
    // tabs of the tests above do not take part). The follower's sends wait for the leader's ack.
    const url = ORIGIN + '/?sharing=queue';
    const leader = createClient(url, { transports: [sse], shared: true, features: [sharing] });
    clients.push(leader);
    await waitFor(() => leader.role === 'leader' && leader.state === 'open', 'the leader to open');
    const follower = createClient(url, { transports: [sse], shared: true, features: [sharing], sendQueueSize: 1 });
    clients.push(follower);
    const errors: string[] = [];
    follower.on('error', (e) => errors.push(e.code));
    await waitFor(() => follower.role === 'follower', 'the follower');
    const token = 'follower queue ' + Math.random();
    // The second send comes before the leader can ack the first: the queue of one is full.
    expect(follower.send(token)).to.equal(true);
    expect(follower.send('refused ' + token)).to.equal(false);
    expect(errors).to.deep.equal(['queue-full']);
    await receivedWhere((r) => r.data === token, 1);
    await sleep(300);
    expect((await receivedWhere((r) => r.data.indexOf(token) >= 0, 1)).map((r) => r.data)).to.deep.equal([token]);
  });
});

describe("the leader's errors reach the followers as Errors, with their fields", () => {
  const clients: Client[] = [];
  after(() => {
    for (const c of clients.splice(0)) c.close();
  });

  it('an error event (too-large, with its id) and the error inside a reconnecting event', async () => {
    const url = ORIGIN + '/?sharing=errors';
    const options = { transports: [sse], shared: true, features: [sharing], maxMessageSize: 64, reconnect: { initialDelay: 50, jitter: 0 } };
    const seen = (client: Client) => {
      const errors: PushlineError[] = [];
      client.on('error', (e) => errors.push(e));
      client.on('reconnecting', (e) => errors.push(e.error));
      return errors;
    };
    const leader = createClient(url, options);
    clients.push(leader);
    const leaderErrors = seen(leader);
    await waitFor(() => leader.role === 'leader' && leader.state === 'open', 'the leader to open');
    const follower = createClient(url, options);
    clients.push(follower);
    const followerErrors = seen(follower);
    await waitFor(() => follower.role === 'follower' && follower.state === 'open', 'the follower to learn the state');
    const id = await publish('x'.repeat(100)); // over maxMessageSize: skipped, with an error
    await waitFor(() => followerErrors.length === 1, 'the too-large error in the follower');
    await drop(); // the leader's connection closes: it reconnects
    await waitFor(() => followerErrors.length === 2 && leader.state === 'open', 'the reconnecting error in the follower');
    const fields = (e: PushlineError) => ({ isError: e instanceof Error, name: e.name, message: e.message, code: e.code, transport: e.transport, id: e.id });
    expect(followerErrors.map(fields)).to.deep.equal(leaderErrors.map(fields));
    expect(fields(followerErrors[0])).to.deep.equal({ isError: true, name: 'PushlineError', message: leaderErrors[0].message, code: 'too-large', transport: 'sse', id });
    expect(followerErrors[1]).to.be.instanceOf(Error);
    expect(followerErrors[1].code).to.equal(leaderErrors[1].code);
  });
});
