import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSampleApp } from '../../sample/create-app.js';
import { MemoryStore, SessionService, type SessionStore } from '../../src/index.js';
import { UP, down, getHealth, startHealthApp } from '../support/health-app.js';
import { ADAPTERS } from '../support/test-app.js';

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app's own store: a MemoryStore with some of its methods replaced. */
const memoryStoreWith = (methods: Partial<SessionStore>): SessionStore =>
  Object.assign(Object.create(new MemoryStore()) as SessionStore, methods);

/** One without the optional check, so that the indicator must read. */
const storeWithoutCheck = (get: SessionStore['get']) => memoryStoreWith({ get, checkHealth: undefined });

describe.each(ADAPTERS)('GET /health through Terminus on %s', (adapter) => {
  it('is 200 with the memory store', async () => {
    app = await startHealthApp('memory', {}, adapter);
    expect(await getHealth(app)).toEqual(UP);
  });

  it('is 503 with the reason, not a hang, when the store never answers', async () => {
    const silent = memoryStoreWith({ checkHealth: () => new Promise<void>(() => {}) });
    app = await startHealthApp(silent, { storeTimeout: 200 }, adapter);
    expect(await getHealth(app)).toEqual(down('no answer within 200 ms'));
  });
});

describe('the circuit breaker in the health check', () => {
  it('shows it open once store calls have timed out in a row', async () => {
    const silent = () => new Promise<never>(() => {});
    app = await startHealthApp(memoryStoreWith({ checkHealth: silent, findByUser: silent }), { storeTimeout: 200 });
    expect(await getHealth(app)).toEqual(down('no answer within 200 ms', 'closed'));
    const sessions = app.get(SessionService);
    await Promise.allSettled(Array.from({ length: 6 }, () => sessions.list('alice')));
    expect(await getHealth(app)).toEqual(down('no answer within 200 ms', 'open'));
  });
});

describe('the health check of a store without checkHealth', () => {
  it('reads a key no session has, and is up when the read succeeds', async () => {
    const get = vi.fn(async () => null);
    app = await startHealthApp(storeWithoutCheck(get));
    expect(await getHealth(app)).toEqual(UP);
    expect(get).toHaveBeenCalledWith('health-check');
  });

  it('is down with the error of a failed read', async () => {
    app = await startHealthApp(storeWithoutCheck(async () => Promise.reject(new Error('backend refused'))));
    expect(await getHealth(app)).toEqual(down('backend refused'));
  });
});

describe('the sample app', () => {
  it('serves GET /health', async () => {
    vi.stubEnv('SESSION_SECRETS', 'sample-secret-0123456789-abcdefghijk');
    try {
      app = await createSampleApp('express', { logger: false });
      await app.init();
      const res = await request(app.getHttpServer()).get('/health');
      expect({ status: res.status, body: res.body as unknown }).toEqual(UP);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
