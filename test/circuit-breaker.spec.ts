import type { LoggerService } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore, SessionDataTooLargeError, type SessionModuleOptions, sessionOptionsFromEnv } from '../src/index.js';
import { resolveSessionOptions } from '../src/config/resolved-options.js';
import { SessionManager } from '../src/session/session.manager.js';
import { StoreCircuitBreaker } from '../src/session/store-circuit-breaker.js';
import { StoreFailureLog } from '../src/session/store-failure-log.js';
import { problemsOf } from './support/config-problems.js';
import { countingStore } from './support/counting-store.js';
import { type TestApp, cookiePair, createTestApp } from './support/test-app.js';

const SECRET = 's'.repeat(32);

describe('StoreCircuitBreaker', () => {
  let now = 0;
  let random = 0;
  const breaker = (settings = { failures: 3, openFor: 1000, silence: 500 }) => new StoreCircuitBreaker(settings, () => now, () => random);
  const openOne = () => {
    now = 10_000;
    random = 0;
    const b = breaker();
    for (let i = 0; i < 3; i++) b.failed('call');
    return b;
  };

  it('opens after `failures` failed calls in a row; an answer in between starts the count again', () => {
    now = 10_000;
    const b = breaker();
    b.failed('call');
    b.failed('call');
    b.answered();
    now += 600;
    b.failed('call');
    b.failed('call');
    expect(b.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 2, opened: 0 });
    expect(b.failed('call')).toBe(true);
    expect(b.snapshot()).toMatchObject({ enabled: true, state: 'open', consecutiveFailures: 3, opened: 1, openedAt: 10_600, probeAt: 11_350 });
  });

  it('stays closed while the store answered within `silence`, however many calls fail in a row', () => {
    now = 10_000;
    const b = breaker();
    b.answered();
    now += 499;
    for (let i = 0; i < 10; i++) expect(b.failed('call')).toBe(false);
    now += 1;
    expect(b.failed('call')).toBe(true);
  });

  it('is not opened by a store that fails a third of its calls at random, as with one master of three down', () => {
    // A seeded generator: the same run every time.
    let seed = 17;
    const next = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    now = 10_000;
    const b = breaker({ failures: 5, openFor: 1000, silence: 500 });
    let longestRun = 0;
    for (let call = 0; call < 100_000; call++) {
      now += 1;
      if (next() < 1 / 3) {
        b.failed('call');
        longestRun = Math.max(longestRun, b.snapshot().consecutiveFailures);
      } else b.answered();
    }
    // Consecutive failures alone would have opened it, again and again.
    expect(longestRun).toBeGreaterThan(5);
    expect(b.snapshot()).toMatchObject({ state: 'closed', opened: 0 });
  });

  it('refuses every call while open, for 75 to 100 % of openFor', () => {
    for (const [draw, until] of [[0, 750], [0.999, 1000]] as const) {
      now = 10_000;
      random = draw;
      const b = breaker();
      for (let i = 0; i < 3; i++) b.failed('call');
      now = 10_000 + until - 1;
      expect(b.admit()).toBeUndefined();
      now = 10_000 + until;
      expect(b.admit()).toBe('probe');
      expect(b.snapshot().refused).toBe(1);
    }
  });

  it('lets one probe through when half-open, opens again if it fails and closes once it answers', () => {
    const b = openOne();
    now = 10_750;
    expect(b.admit()).toBe('probe');
    expect(b.admit()).toBeUndefined();
    expect(b.snapshot()).toMatchObject({ state: 'half-open', openedAt: 10_000 });
    expect(b.failed('probe')).toBe(true);
    expect(b.snapshot()).toMatchObject({ state: 'open', opened: 2, openedAt: 10_750, probeAt: 11_500 });
    now = 11_500;
    expect(b.admit()).toBe('probe');
    b.answered();
    expect(b.snapshot()).toEqual({ enabled: true, state: 'closed', consecutiveFailures: 0, opened: 2, refused: 1 });
    expect(b.admit()).toBe('call');
  });

  it('is not opened again by calls let through before it opened, failing late', () => {
    const b = openOne();
    now = 10_750;
    expect(b.admit()).toBe('probe');
    // A call admitted while closed times out now, while the probe is in flight.
    expect(b.failed('call')).toBe(false);
    expect(b.snapshot()).toMatchObject({ state: 'half-open', opened: 1 });
  });

  it('only counts without settings (circuitBreaker: false)', () => {
    const b = new StoreCircuitBreaker(undefined);
    for (let i = 0; i < 100; i++) b.failed('call');
    expect(b.admit()).toBe('call');
    expect(b.snapshot()).toEqual({ enabled: false, state: 'closed', consecutiveFailures: 100, opened: 0, refused: 0 });
  });
});

/** A logger that keeps its lines, for the failure log's unit tests. */
function recorder() {
  const lines: string[] = [];
  return { lines, logger: { warn: (m: string) => lines.push(`warn ${m}`) } };
}

describe('StoreFailureLog', () => {
  it('tells a 25 s outage of 500 failed calls in four lines: at once, every 10 s, and when it is back', () => {
    let now = 1_000_000;
    const { lines, logger } = recorder();
    const log = new StoreFailureLog(logger, 'Session store', 10_000, () => now);
    log.answered();
    for (let i = 0; i < 500; i++) {
      if (i % 10 === 0) log.failure(`no answer within 1000 ms (${i})`);
      else log.refusal();
      now += 50;
    }
    log.answered();
    log.answered();
    expect(lines).toEqual([
      'warn Session store call failed: no answer within 1000 ms (0); requests that need it get 503 until it answers (further failures are summarised every 10 s)',
      'warn Session store still failing: 200 calls failed in the last 10.0 s (180 of them answered 503 at once by the circuit breaker); last error: no answer within 1000 ms (200)',
      'warn Session store still failing: 200 calls failed in the last 10.0 s (180 of them answered 503 at once by the circuit breaker); last error: no answer within 1000 ms (400)',
      'warn Session store answering again after 25.0 s: 500 calls failed (450 of them answered 503 at once by the circuit breaker); last error: no answer within 1000 ms (490)',
    ]);
  });

  it('tells a second outage at once, even soon after the first', () => {
    let now = 0;
    const { lines, logger } = recorder();
    const log = new StoreFailureLog(logger, 'Session store', 10_000, () => now);
    log.failure('ETIMEDOUT');
    now = 3_000;
    log.answered();
    now = 5_000;
    log.failure('ECONNREFUSED');
    now = 6_500;
    log.answered();
    expect(lines).toEqual([
      expect.stringMatching(/^warn Session store call failed: ETIMEDOUT;/),
      'warn Session store answering again after 3.0 s: 1 call failed; last error: ETIMEDOUT',
      expect.stringMatching(/^warn Session store call failed: ECONNREFUSED;/),
      'warn Session store answering again after 1.5 s: 1 call failed; last error: ECONNREFUSED',
    ]);
  });

  it('writes at most four lines per interval for a store that keeps failing and answering, and loses no count', () => {
    let now = 0;
    const { lines, logger } = recorder();
    const log = new StoreFailureLog(logger, 'Session store', 10_000, () => now);
    for (; now < 30_000; now += 100) {
      log.failure('ECONNRESET');
      log.answered();
    }
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines.slice(0, 4)).toEqual([
      expect.stringMatching(/^warn Session store call failed: ECONNRESET;/),
      'warn Session store answering again after 0.0 s: 1 call failed; last error: ECONNRESET',
      expect.stringMatching(/^warn Session store call failed: ECONNRESET;/),
      'warn Session store answering again after 0.0 s: 1 call failed; last error: ECONNRESET',
    ]);
    // What the interval held back is counted in its next line.
    expect(lines[4]).toMatch(/^warn Session store call failed: 99 calls failed in the last 9\.9 s; last error: ECONNRESET;/);
    const told = lines.reduce((sum, line) => sum + Number(/(\d+) calls? failed/.exec(line)?.[1] ?? 0), 0);
    // Each outage's failures appear in its failure line and again in its recovery line's total.
    expect(told).toBeGreaterThan(300);
  });

  it('reports held-back failures when the store answers after the interval', () => {
    let now = 0;
    const { lines, logger } = recorder();
    const log = new StoreFailureLog(logger, 'Session store', 10_000, () => now);
    for (let i = 0; i < 2; i++) {
      log.failure('ETIMEDOUT');
      log.answered();
    }
    now = 5_000;
    log.failure('ECONNREFUSED');
    log.answered();
    expect(lines).toHaveLength(4);
    now = 12_000;
    log.answered();
    expect(lines[4]).toBe('warn Session store answering again: 1 call failed in the last 12.0 s; last error: ECONNREFUSED');
  });
});

/** A memory store that can be made to fail, hang or refuse, counting the calls that reach it. */
function switchableStore() {
  const counted = countingStore(new MemoryStore());
  const state = { mode: 'up' as 'up' | 'error' | 'hang' | 'refuse' };
  for (const op of ['get', 'create', 'update', 'delete', 'findByUser'] as const) {
    counted.before[op] = async () => {
      if (state.mode === 'error') throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      if (state.mode === 'hang') await new Promise(() => {});
      if (state.mode === 'refuse') throw new SessionDataTooLargeError(500_000, 400_000);
    };
  }
  const reached = () => Object.values(counted.calls).reduce((a, b) => a + b, 0);
  return { store: counted.store, state, reached };
}

describe('the circuit breaker in a running app', () => {
  let app: TestApp | undefined;
  const lines: string[] = [];
  afterEach(async () => {
    await app?.close();
    app = undefined;
    lines.length = 0;
  });

  async function start(options: Partial<SessionModuleOptions>) {
    const store = switchableStore();
    app = await createTestApp('express', { store: store.store, ...options });
    const logger: LoggerService = { log: (m: string) => lines.push(`log ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: () => {} };
    app.app.useLogger(logger);
    const login = await request(app.server as never).post('/login').send({ user: 'alice' });
    const cookie = cookiePair(login.headers['set-cookie']) as string;
    const me = async () => {
      const started = performance.now();
      const res = await request((app as TestApp).server as never).get('/me').set('Cookie', cookie);
      return { status: res.status, ms: performance.now() - started, retryAfter: res.headers['retry-after'] };
    };
    return { ...store, me, manager: app.app.get(SessionManager) };
  }

  it('answers 503 at once without a store call once open, probes after openFor, and serves again', async () => {
    const { state, reached, me, manager } = await start({ storeTimeout: 200, circuitBreaker: { failures: 3, openFor: 200 } });
    state.mode = 'error';
    // Half of storeTimeout without an answer, as well as 3 failures in a row.
    await sleep(110);
    for (let i = 0; i < 3; i++) expect((await me()).status).toBe(503);
    expect(manager.storeCircuit()).toMatchObject({ state: 'open', consecutiveFailures: 3, opened: 1 });
    const before = reached();
    const refused = await me();
    expect(refused).toMatchObject({ status: 503, retryAfter: '5' });
    expect(reached()).toBe(before);
    expect(manager.storeCircuit().refused).toBe(1);

    state.mode = 'up';
    await sleep(210);
    expect((await me()).status).toBe(200);
    expect(reached()).toBe(before + 1);
    expect(manager.storeCircuit()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(lines).toEqual([
      expect.stringMatching(/^warn Session store call failed: connect ECONNREFUSED 127\.0\.0\.1:6379; requests that need it get 503/),
      expect.stringMatching(/^warn Session store answering again after 0\.\d s: 4 calls failed \(1 of them answered 503 at once by the circuit breaker\)/),
    ]);
  });

  it('stops requests waiting out storeTimeout on a store that hangs', async () => {
    const { state, me, manager } = await start({ storeTimeout: 1000, circuitBreaker: { failures: 2, openFor: 5000 } });
    state.mode = 'hang';
    const waited = await Promise.all([me(), me()]);
    expect(waited.map((r) => r.status)).toEqual([503, 503]);
    for (const { ms } of waited) expect(ms).toBeGreaterThanOrEqual(990);
    const fast = await Promise.all(Array.from({ length: 20 }, () => me()));
    expect(fast.map((r) => r.status)).toEqual(Array(20).fill(503));
    // Well under storeTimeout each: none of them waited for the store.
    expect(Math.max(...fast.map((r) => r.ms))).toBeLessThan(500);
    expect(manager.storeCircuit()).toMatchObject({ state: 'open', refused: 20 });
    expect(lines).toHaveLength(1);
  });

  it("is not opened by a store's own refusals, which are the client's 4xx", async () => {
    const { state, me, manager } = await start({ circuitBreaker: { failures: 2, openFor: 5000 } });
    state.mode = 'refuse';
    for (let i = 0; i < 5; i++) expect((await me()).status).toBe(413);
    expect(manager.storeCircuit()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(lines).toEqual([]);
  });

  it('with circuitBreaker: false, sends every call to the store', async () => {
    const { state, reached, me, manager } = await start({ circuitBreaker: false });
    state.mode = 'error';
    const before = reached();
    for (let i = 0; i < 10; i++) expect((await me()).status).toBe(503);
    expect(reached()).toBe(before + 10);
    expect(manager.storeCircuit()).toEqual({ enabled: false, state: 'closed', consecutiveFailures: 10, opened: 0, refused: 0 });
    expect(lines).toHaveLength(1);
  });
});

describe('circuitBreaker options', () => {
  it('is on by default: 5 failures, open up to 1 s', () => {
    expect(resolveSessionOptions({ secrets: [SECRET] }).circuitBreaker).toEqual({ failures: 5, openFor: 1000, silence: 500 });
    expect(resolveSessionOptions({ secrets: [SECRET], circuitBreaker: true }).circuitBreaker).toEqual({ failures: 5, openFor: 1000, silence: 500 });
    expect(resolveSessionOptions({ secrets: [SECRET], circuitBreaker: { failures: 2 }, storeTimeout: 300 }).circuitBreaker).toEqual({
      failures: 2,
      openFor: 1000,
      silence: 150,
    });
    expect(resolveSessionOptions({ secrets: [SECRET], circuitBreaker: false }).circuitBreaker).toBeUndefined();
  });

  it('refuses settings that would not work, naming each', () => {
    expect(problemsOf(() => resolveSessionOptions({ secrets: [SECRET], circuitBreaker: { failures: 0, openFor: 5 } }))).toEqual([
      'circuitBreaker.failures: must be a positive integer',
      'circuitBreaker.openFor: must be a whole number of milliseconds from 100 to 60000: while open, session requests get 503 even if the store is back',
    ]);
    expect(problemsOf(() => resolveSessionOptions({ secrets: [SECRET], circuitBreaker: { openFor: 120_000 } }))).toHaveLength(1);
    expect(problemsOf(() => resolveSessionOptions({ secrets: [SECRET], circuitBreaker: 'on' as never }))).toEqual([
      'circuitBreaker: must be { failures, openFor }, true or false',
    ]);
  });

  it('reads SESSION_CIRCUIT_BREAKER, _FAILURES and _OPEN_MS', () => {
    const env = { SESSION_SECRETS: SECRET, SESSION_CIRCUIT_BREAKER_FAILURES: '10', SESSION_CIRCUIT_BREAKER_OPEN_MS: '2500' };
    expect(resolveSessionOptions(sessionOptionsFromEnv(env)).circuitBreaker).toEqual({ failures: 10, openFor: 2500, silence: 500 });
    expect(resolveSessionOptions(sessionOptionsFromEnv({ SESSION_SECRETS: SECRET })).circuitBreaker).toMatchObject({ failures: 5, openFor: 1000 });
    expect(sessionOptionsFromEnv({ SESSION_SECRETS: SECRET, SESSION_CIRCUIT_BREAKER: 'false' }).circuitBreaker).toBe(false);
  });

  it('names the variable at fault', () => {
    expect(
      problemsOf(() =>
        sessionOptionsFromEnv({
          SESSION_SECRETS: SECRET,
          SESSION_CIRCUIT_BREAKER: 'off',
          SESSION_CIRCUIT_BREAKER_FAILURES: 'five',
          SESSION_CIRCUIT_BREAKER_OPEN_MS: '2',
        }),
      ),
    ).toEqual([
      'SESSION_CIRCUIT_BREAKER: must be true or false: whether a failing store is answered 503 at once for a while',
      'SESSION_CIRCUIT_BREAKER_FAILURES: must be a whole number of store calls',
      'SESSION_CIRCUIT_BREAKER_OPEN_MS: must be a whole number of milliseconds from 100 to 60000: while open, session requests get 503 even if the store is back',
    ]);
    expect(
      problemsOf(() => sessionOptionsFromEnv({ SESSION_SECRETS: SECRET, SESSION_CIRCUIT_BREAKER: 'false', SESSION_CIRCUIT_BREAKER_OPEN_MS: '500' })),
    ).toEqual(['SESSION_CIRCUIT_BREAKER_OPEN_MS: has no effect with SESSION_CIRCUIT_BREAKER=false']);
  });
});
