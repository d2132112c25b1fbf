/** The pure helpers the policy leans on: the backoff formula, the retry budget, endpoint URLs. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, BUDGET_WINDOW, DEFAULT_RECONNECT, RetryBudget } from '../../src/backoff.js';
import { endpointUrl, webSocketUrl, withQuery } from '../../src/url.js';

describe('backoff', () => {
  it('grows exponentially, caps, and jitters downwards', () => {
    const policy = { ...DEFAULT_RECONNECT, initialDelay: 100, maxDelay: 1000, factor: 2, jitter: 0.5 };
    assert.deepEqual([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(policy, n, 0)), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(backoffDelay(policy, 1, 1), 50);
    assert.equal(backoffDelay({ ...policy, jitter: 0 }, 3, 0.9), 400);
  });

  it('the retry budget counts attempts within a sliding window', () => {
    const budget = new RetryBudget(2);
    assert.equal(budget.waitAt(0), 0);
    budget.spend(0);
    budget.spend(10);
    assert.equal(budget.waitAt(20), BUDGET_WINDOW - 20);
    assert.equal(budget.waitAt(BUDGET_WINDOW), 0, 'the first attempt has left the window');
    budget.spend(BUDGET_WINDOW);
    assert.equal(budget.waitAt(BUDGET_WINDOW + 1), 10 - 1);
  });
});

describe('endpoint URLs', () => {
  it('derive from the base URL and keep its query', () => {
    assert.equal(webSocketUrl(endpointUrl('http://h:1/rt/?k=v#x', '/ws')), 'ws://h:1/rt/ws?k=v');
    assert.equal(endpointUrl('https://h/rt', '/sse'), 'https://h/rt/sse');
    assert.equal(endpointUrl('https://h/', '/poll'), 'https://h/poll');
    assert.equal(endpointUrl('wss://h/rt', '/stream'), 'https://h/rt/stream');
    assert.equal(endpointUrl('http://h/rt', '/send', 'http://other/post'), 'http://other/post');
    assert.equal(withQuery('http://h/ws?k=v', { lastEventId: 'a b', session: null }), 'http://h/ws?k=v&lastEventId=a%20b');
  });
});
