import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/index.js';
import { describeSessionE2E } from './e2e/session-e2e.suite.js';
import { ADAPTERS, type AdapterName, type TestApp, cookiePair, createTestApp } from './support/test-app.js';

describeSessionE2E('memory', async () => {
  const store = new MemoryStore();
  return { store, close: () => store.close() };
});

describe.each(ADAPTERS)('a full memory store on %s', (adapter: AdapterName) => {
  async function withApp(maxSessions: number, run: (app: TestApp) => Promise<void>): Promise<void> {
    const app = await createTestApp(adapter, { store: { type: 'memory', maxSessions } });
    try {
      await run(app);
    } finally {
      await app.close();
    }
  }
  const server = (app: TestApp) => request(app.server as never);
  const login = async (app: TestApp, user: string) =>
    cookiePair((await server(app).post('/login').send({ user })).headers['set-cookie']) as string;

  it('keeps every signed-in user through a flood of sessions without a user', () =>
    withApp(10, async (app) => {
      const users = [];
      for (let i = 0; i < 5; i++) users.push(await login(app, `user-${i}`));
      for (let i = 0; i < 50; i++) expect((await server(app).post('/visit')).status).toBe(200);
      for (const cookie of users) expect((await server(app).get('/me').set('Cookie', cookie)).status).toBe(200);
    }));

  it('answers 503 with Retry-After to a new session without a user once only signed-in ones are left', () =>
    withApp(3, async (app) => {
      const users = [await login(app, 'a'), await login(app, 'b'), await login(app, 'c')];
      const visit = await server(app).post('/visit');
      expect(visit.status).toBe(503);
      expect(visit.headers['retry-after']).toBeDefined();
      for (const cookie of users) expect((await server(app).get('/me').set('Cookie', cookie)).status).toBe(200);
      // A sign-in still gets a place, from the least recently used signed-in session.
      expect((await server(app).post('/login').send({ user: 'd' })).status).toBe(200);
    }));
});
