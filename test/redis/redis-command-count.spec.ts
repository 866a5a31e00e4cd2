import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRedisServer } from '../support/redis-server.js';
import { ADAPTERS, type AdapterName, type TestApp, cookiePair, createTestApp } from '../support/test-app.js';

const MINUTE = 60_000;

describe.each(ADAPTERS)('Redis commands per request on %s', (adapter: AdapterName) => {
  const server = useRedisServer();
  let app: TestApp;

  beforeAll(async () => {
    app = await createTestApp(adapter, {
      store: { type: 'redis', url: server.url },
      // No touch is ever due, so a read has no reason to write.
      idleTimeout: 60 * MINUTE,
      touchInterval: 59 * MINUTE,
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('reads a session with exactly one HGETALL and writes nothing', async () => {
    const login = await request(app.server as never).post('/login').send({ user: 'alice' });
    const cookie = cookiePair(login.headers['set-cookie']) as string;
    await server.resetCommandStats();

    const requests = 7;
    for (let i = 0; i < requests; i++) {
      await request(app.server as never).get('/me').set('Cookie', cookie).expect(200);
    }

    // Nothing but the reads: no EVALSHA, ZADD or EXPIRE.
    expect(await server.commandCalls()).toEqual({ hgetall: requests });
  });

  it('spends no Redis command on a forged cookie', async () => {
    await server.resetCommandStats();
    const forged = `sid=${randomBytes(32).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
    const res = await request(app.server as never).get('/me').set('Cookie', forged);
    expect(res.status).toBe(401);
    expect(await server.commandCalls()).toEqual({});
  });
});
