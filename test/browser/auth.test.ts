/**
 * Credentials and a busy server, on every transport, against the real reference server (its
 * `authorize` in web-test-runner.config.mjs: tokens starting with "good" go, "forbidden…" gets
 * 403, any other 401; a WebSocket is closed with 4401 / 4403 instead): a refused token without a
 * function stops the client; with a function, the token is refreshed and the retry goes at once,
 * and a token refused again is reported and waited for, at most 3 attempts in 5 s; where the
 * token travels; a 503 + Retry-After is waited for.
 */
import { expect } from 'chai';
import { connect } from '../../src/index.js';
import type { Client } from '../../src/index.js';
import type { CloseEvent, PushlineError, ReconnectingEvent, TransportName } from '../../src/types.js';
import { ALL, ORIGIN, block, next, sleep, unblockAll } from './helpers.js';

interface Credentials {
  endpoint: string;
  header: string | null;
  query: string | null;
}

/** What the server's `authorize` saw since the last call, oldest first. */
async function credentials(): Promise<Credentials[]> {
  return (await fetch('/_credentials')).json();
}

/** Requests made to a transport's endpoint since the server started. */
async function requests(transport: TransportName): Promise<number> {
  const stats = (await (await fetch(ORIGIN + '/_control/stats')).json()) as { requests: Record<string, number> };
  return stats.requests[transport];
}

describe('credentials and a busy server', function () {
  this.timeout(30000);
  let client: Client | null = null;
  beforeEach(async () => {
    await unblockAll();
    await credentials();
  });
  afterEach(async () => {
    client?.close();
    await unblockAll();
  });

  for (const t of ALL) {
    it(`${t}: a refused token without a function stops the client with \`auth\` and the status`, async () => {
      for (const [token, status] of [['expired', 401], ['forbidden-here', 403]] as const) {
        const before = await requests(t);
        client = connect(ORIGIN, { transports: [t], token });
        const closed = await next<CloseEvent>(client, 'close');
        expect([closed.error?.code, closed.error?.status]).to.deep.equal(['auth', status]);
        expect(await requests(t)).to.equal(before + 1, 'one attempt');
      }
    });

    it(`${t}: a refused token is refreshed through the token function and the retry goes at once`, async () => {
      const tokens = ['expired', 'good-refreshed'];
      let calls = 0;
      client = connect(ORIGIN, { transports: [t], token: () => tokens[Math.min(calls++, 1)] });
      const errors: PushlineError[] = [];
      client.on('error', (e) => errors.push(e));
      await next(client, 'open', 5000);
      expect(calls).to.equal(2);
      expect(errors, 'a refusal a refresh fixed is not an error').to.deep.equal([]);
      const seen = (await credentials()).filter((c) => c.endpoint === t);
      const carried = seen.map((c) => c.header ?? 'query ' + c.query);
      // WebSocket cannot carry headers: its token is in the query; the others send it as Authorization.
      // The refused attempt, then the retry; long polling may have polled again since, with the same token.
      const [refused, refreshed] = t === 'websocket' ? ['query expired', 'query good-refreshed'] : ['Bearer expired', 'Bearer good-refreshed'];
      expect(carried.slice(0, 2)).to.deep.equal([refused, refreshed]);
      expect(carried.slice(2).every((c) => c === refreshed), 'later requests carry the refreshed token').to.equal(true);
      if (t !== 'websocket') expect(seen.every((c) => c.query === null), 'no token in the URL').to.equal(true);
    });

    it(`${t}: a token refused again is reported and waited for: at most 3 attempts in 5 s`, async () => {
      const before = await requests(t);
      client = connect(ORIGIN, { transports: [t], token: () => 'expired' });
      const errors: PushlineError[] = [];
      client.on('error', (e) => errors.push(e));
      await sleep(5000);
      const attempts = (await requests(t)) - before;
      console.log(`AUTH ${t}: ${attempts} attempts in 5 s against a refused token, ${errors.length} auth errors`);
      expect(attempts).to.be.within(2, 3);
      expect(errors.length).to.be.at.least(1);
      expect(errors.every((e) => e.code === 'auth' && e.status === 401)).to.equal(true);
      expect(client.state).to.equal('reconnecting');
    });

    it(`${t}: a busy server (503 + Retry-After: 2; WebSocket close 4503) is not asked again for 2 s`, async () => {
      await block(t, 'busy');
      const before = await requests(t);
      client = connect(ORIGIN, { transports: [t] });
      const reconnecting = await next<ReconnectingEvent>(client, 'reconnecting');
      expect(reconnecting.delay).to.be.at.least(2000);
      await sleep(1500);
      expect(await requests(t)).to.equal(before + 1, 'no new attempt within 1.5 s');
      await block(t, null);
      await next(client, 'open', 5000);
    });
  }

  it('tokenInQuery: the HTTP transports also put the token in the URL, for servers that read it only there', async () => {
    client = connect(ORIGIN, { transports: ['sse'], token: 'good-both', tokenInQuery: true });
    await next(client, 'open');
    const [seen] = (await credentials()).filter((c) => c.endpoint === 'sse');
    expect(seen).to.deep.equal({ endpoint: 'sse', header: 'Bearer good-both', query: 'good-both' });
  });

  it('default options: a busy WebSocket does not make the client race the other transports', async () => {
    await block('websocket', 'busy');
    const before = await requests('sse');
    client = connect(ORIGIN);
    await next(client, 'reconnecting');
    await sleep(1000);
    expect(await requests('sse')).to.equal(before);
  });
});
