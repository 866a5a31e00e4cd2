import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore, SessionConfigError, SessionStore } from '../../src/index.js';
import { STORE_IN_USE } from '../../src/session.constants.js';
import { SessionManager } from '../../src/session/session.manager.js';
import { InstrumentedStore } from '../../src/telemetry/instrumented.store.js';
import { storeKeyOf } from '../../src/token/session-token.js';
import { countingStore } from '../support/counting-store.js';
import { type Point, everyString, registerTelemetrySdk } from '../support/telemetry-sdk.js';
import { ADAPTERS, type AdapterName, type TestApp, cookiePair, createTestApp } from '../support/test-app.js';

const sdk = registerTelemetrySdk();
const MINUTE = 60_000;

/** The sum of the points of that metric whose attributes include these. */
function total(points: readonly Point[], name: string, attributes: Record<string, string> = {}): number {
  return points
    .filter((point) => point.name === name && Object.entries(attributes).every(([key, value]) => point.attributes[key] === value))
    .reduce((sum, point) => sum + point.value, 0);
}

/** The points of what happened, without the circuit breaker's state, which is observed at every collection. */
function recorded(points: readonly Point[]): Point[] {
  return points.filter((point) => !point.name.startsWith('session.store.circuit.'));
}

/** Every metric name with its points' total, for a whole-picture assertion. */
function totals(points: readonly Point[]): Record<string, number> {
  const found: Record<string, number> = {};
  for (const point of recorded(points)) found[point.name] = (found[point.name] ?? 0) + point.value;
  return found;
}

describe.each(ADAPTERS)('telemetry on %s, memory store', (adapter: AdapterName) => {
  let app: TestApp;
  const server = () => request(app.server as never);

  beforeEach(async () => {
    app = await createTestApp(adapter);
    sdk.traceRequests(app.server);
    await sdk.reset();
  });
  afterEach(() => app.close());

  const login = async (user: string) => cookiePair((await server().post('/login').send({ user })).headers['set-cookie']) as string;

  it('times and traces a login as one store write, a child of the request span', async () => {
    await login('alice');
    const points = await sdk.points();
    expect(totals(points)).toEqual({ 'db.client.operation.duration': 1, 'session.created': 1, 'session.regenerated': 1 });
    expect(total(points, 'db.client.operation.duration', { 'db.system.name': 'memory', 'db.operation.name': 'create' })).toBe(1);
    const duration = recorded(points).find((point) => point.name === 'db.client.operation.duration') as Point;
    expect(duration.unit).toBe('s');
    expect(duration.attributes).toEqual({ 'db.system.name': 'memory', 'db.operation.name': 'create' });

    const [span, ...others] = sdk.finishedSpans();
    expect(others).toEqual([]);
    expect(span?.name).toBe('session create');
    expect(span?.kind).toBe(2); // CLIENT
    expect(span?.attributes).toEqual({ 'db.system.name': 'memory', 'db.operation.name': 'create' });
    const [requestSpan] = sdk.requests();
    expect(requestSpan?.name).toBe('POST /login');
    expect(span?.parentSpanContext?.spanId).toBe(requestSpan?.spanId);
    expect(span?.spanContext().traceId).toBe(requestSpan?.traceId);
  });

  it('costs a hot request one timed read and nothing else', async () => {
    const cookie = await login('alice');
    await sdk.reset();
    expect((await server().get('/me').set('Cookie', cookie)).status).toBe(200);
    const points = recorded(await sdk.points());
    expect(points).toEqual([
      { name: 'db.client.operation.duration', unit: 's', attributes: { 'db.system.name': 'memory', 'db.operation.name': 'get' }, value: 1 },
    ]);
    expect(sdk.finishedSpans().map((span) => span.name)).toEqual(['session get']);
    expect(sdk.finishedSpans()[0]?.parentSpanContext?.spanId).toBe(sdk.requests()[0]?.spanId);
  });

  it('counts refusals by reason, and a forged or missing token costs no store call', async () => {
    const cookie = await login('alice');
    const [, signature] = cookie.slice('sid='.length).split('.');
    await sdk.reset();
    expect((await server().get('/me')).status).toBe(401);
    expect((await server().get('/me').set('Cookie', `sid=${'A'.repeat(43)}.${signature}`)).status).toBe(401);
    expect((await server().get('/me').set('Cookie', 'sid=junk')).status).toBe(401);
    const points = await sdk.points();
    expect(totals(points)).toEqual({ 'session.refused': 3 });
    expect(total(points, 'session.refused', { 'session.refusal.reason': 'missing' })).toBe(1);
    expect(total(points, 'session.refused', { 'session.refusal.reason': 'invalid' })).toBe(2);
    expect(sdk.finishedSpans()).toEqual([]);
  });

  it('counts a session found expired on read, and its refusal', async () => {
    const cookie = await login('alice');
    app.advance(31 * MINUTE);
    await sdk.reset();
    expect((await server().get('/me').set('Cookie', cookie)).status).toBe(401);
    const points = await sdk.points();
    expect(totals(points)).toEqual({ 'db.client.operation.duration': 1, 'session.expired': 1, 'session.refused': 1 });
    expect(total(points, 'session.refused', { 'session.refusal.reason': 'expired' })).toBe(1);
  });

  it('counts regenerations, sign-outs and revocations', async () => {
    const laptop = await login('alice');
    const phone = await login('alice');
    await login('alice');
    await sdk.reset();
    expect((await server().post('/regenerate').set('Cookie', laptop)).status).toBe(200);
    expect((await server().post('/logout').set('Cookie', phone)).status).toBe(204);
    const fresh = await login('alice');
    expect((await server().post('/sessions/revoke-others').set('Cookie', fresh)).body).toEqual({ revoked: 2 });
    const points = await sdk.points();
    expect(total(points, 'session.regenerated')).toBe(2);
    expect(total(points, 'session.created')).toBe(2);
    expect(total(points, 'session.destroyed')).toBe(1);
    expect(total(points, 'session.revoked')).toBe(2);
  });
});

describe('telemetry during a store outage', () => {
  let app: TestApp;
  let cookie: string;
  const counted = countingStore(new MemoryStore());
  const server = () => request(app.server as never);

  beforeEach(async () => {
    counted.clearHooks();
    app = await createTestApp('express', { store: counted.store, storeTimeout: 100 });
    sdk.traceRequests(app.server);
    cookie = cookiePair((await server().post('/login').send({ user: 'alice' })).headers['set-cookie']) as string;
    await sdk.reset();
  });
  afterEach(() => app.close());

  it('records a failed call by its error type, and the 503 it became', async () => {
    counted.before.get = () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    };
    const response = await server().get('/me').set('Cookie', cookie);
    expect(response.status).toBe(503);
    const points = await sdk.points();
    const failed = { 'db.system.name': 'other', 'db.operation.name': 'get', 'error.type': 'Error' };
    expect(total(points, 'db.client.operation.duration', failed)).toBe(1);
    expect(total(points, 'session.store.failures', failed)).toBe(1);
    expect(total(points, 'session.store.unavailable')).toBe(1);
    const [span] = sdk.finishedSpans();
    expect(span?.name).toBe('session get');
    expect(span?.status).toEqual({ code: 2 }); // ERROR, and no message: it could quote the store's input
    expect(span?.attributes['error.type']).toBe('Error');
    expect(span?.events).toEqual([]);
  });

  it('records a call answered after storeTimeout as a timeout', async () => {
    counted.before.get = () => sleep(250);
    const started = Date.now();
    expect((await server().get('/me').set('Cookie', cookie)).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(250);
    expect(total(await sdk.points(), 'session.store.unavailable')).toBe(1);
    // The store's late answer is recorded when it comes.
    await sleep(300);
    const points = await sdk.points();
    expect(total(points, 'session.store.failures', { 'db.operation.name': 'get', 'error.type': 'timeout' })).toBe(1);
    expect(total(points, 'db.client.operation.duration', { 'error.type': 'timeout' })).toBe(1);
  });
});

describe('telemetry of the circuit breaker', () => {
  it('shows it open, counts its openings, and its fast 503s with no store call', async () => {
    const counted = countingStore(new MemoryStore());
    const app = await createTestApp('express', { store: counted.store, storeTimeout: 200, circuitBreaker: { failures: 2, openFor: 60_000 } });
    try {
      const server = () => request(app.server as never);
      const cookie = cookiePair((await server().post('/login').send({ user: 'alice' })).headers['set-cookie']) as string;
      expect(total(await sdk.points(), 'session.store.circuit.state', { 'session.circuit.state': 'closed' })).toBe(1);
      counted.before.get = () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      };
      // The breaker opens once the store has also answered nothing for half of storeTimeout.
      await sleep(110);
      for (let i = 0; i < 3; i++) expect((await server().get('/me').set('Cookie', cookie)).status).toBe(503);
      const points = await sdk.points();
      expect(total(points, 'session.store.circuit.state', { 'session.circuit.state': 'open' })).toBe(1);
      expect(total(points, 'session.store.circuit.state', { 'session.circuit.state': 'closed' })).toBe(0);
      expect(total(points, 'session.store.circuit.opened')).toBe(1);
      // Three 503s, of which the store was asked for two.
      expect(total(points, 'session.store.unavailable')).toBe(3);
      expect(total(points, 'session.store.failures')).toBe(2);
      expect(total(points, 'db.client.operation.duration', { 'db.operation.name': 'get' })).toBe(2);
    } finally {
      await app.close();
    }
  });
});

describe('telemetry never records a session ID, token, store key, user or data', () => {
  it('in any span or point of a session’s whole life', async () => {
    const app = await createTestApp('express', { storeTimeout: 200 });
    sdk.traceRequests(app.server);
    await sdk.reset();
    try {
      const server = () => request(app.server as never);
      const user = 'user-7f3a9c';
      const login = async () => cookiePair((await server().post('/login').send({ user })).headers['set-cookie']) as string;
      const cookie = await login();
      const other = await login();
      const secrets: string[] = [user, 'value-5e1d2b'];
      for (const pair of [cookie, other]) {
        const token = pair.slice('sid='.length);
        const id = token.split('.')[0] as string;
        secrets.push(token, id, storeKeyOf(id));
      }
      await server().put('/data/note').set('Cookie', cookie).send({ value: 'value-5e1d2b' });
      await server().get('/me').set('Cookie', cookie);
      await server().get('/sessions').set('Cookie', cookie);
      await server().delete(`/sessions/${storeKeyOf((other.slice(4).split('.')[0]) as string)}`).set('Cookie', cookie);
      await server().get('/me').set('Cookie', other);
      await server().get('/me').set('Cookie', `${cookie.slice(0, -2)}xx`);
      await server().post('/regenerate').set('Cookie', cookie);
      await server().post(`/admin/revoke-all/${user}`);
      const spans = sdk.finishedSpans();
      const points = await sdk.points();
      expect(spans.length).toBeGreaterThan(5);
      expect(new Set(spans.map((span) => span.name))).toEqual(
        new Set(['session create', 'session get', 'session update', 'session delete', 'session findByUser']),
      );
      const strings = everyString(spans, points);
      for (const secret of secrets) expect(strings.filter((string) => string.includes(secret)), secret).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('with telemetry off', () => {
  it('uses the store itself and reports nothing, though the API and an SDK are there', async () => {
    const store = new MemoryStore();
    const app = await createTestApp('express', { store, telemetry: false });
    try {
      expect(app.app.get(STORE_IN_USE)).toBe(store);
      expect(app.app.get(SessionManager).telemetry).toBeNull();
      await sdk.reset();
      const cookie = cookiePair((await request(app.server as never).post('/login').send({ user: 'a' })).headers['set-cookie']);
      await request(app.server as never).get('/me').set('Cookie', cookie as string);
      await request(app.server as never).get('/me');
      expect(await sdk.points()).toEqual([]);
      expect(sdk.finishedSpans()).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('installs the instrumented store only when on, and it passes every other store method through', async () => {
    const store = Object.assign(new MemoryStore(), { checkHealth: async () => 'healthy' });
    const app = await createTestApp('express', { store });
    try {
      const used = app.app.get(STORE_IN_USE) as InstrumentedStore & { checkHealth(): Promise<string> };
      expect(used).toBeInstanceOf(InstrumentedStore);
      // What the app injects stays its own store.
      expect(app.app.get(SessionStore)).toBe(store);
      expect(used.instrumented).toBe(store);
      expect(await used.checkHealth()).toBe('healthy');
      expect(app.app.get(SessionManager).telemetry).not.toBeNull();
    } finally {
      await app.close();
    }
  });

  it('refuses a telemetry option that is not a boolean', async () => {
    await expect(createTestApp('express', { telemetry: 'yes' as never })).rejects.toThrow(SessionConfigError);
    await expect(createTestApp('express', { telemetry: 'yes' as never })).rejects.toThrow('telemetry: must be true or false');
  });
});

describe('the package', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
  };

  it('keeps @opentelemetry/api an optional peer, imported at run time only by the telemetry factory', () => {
    expect(pkg.peerDependencies['@opentelemetry/api']).toBeDefined();
    expect(pkg.peerDependenciesMeta['@opentelemetry/api']?.optional).toBe(true);
    const src = new URL('../../src/', import.meta.url);
    const importers = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /^import (?!type )[^;]*from '@opentelemetry\/|import\('@opentelemetry\//m.test(readFileSync(new URL(file, src), 'utf8')));
    expect(importers).toEqual(['telemetry/telemetry.factory.ts']);
  });
});
