import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../support/redis-server.js';
import { ADAPTERS, type AdapterName, type TestApp, cookiePair, createTestApp } from '../support/test-app.js';

const MINUTE = 60_000;
// Our own probes of the server, not the store's traffic (Redis 7 counts `config|resetstat`, 6 `config`).
const ADMIN = /^(info|config|config\|resetstat)$/;

/** Calls per command since the last CONFIG RESETSTAT, as Redis counted them. */
async function commandCalls(server: RedisServer): Promise<Record<string, number>> {
  const calls: Record<string, number> = {};
  for (const line of (await server.cli('info', 'commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match && !ADMIN.test(match[1] as string)) calls[match[1] as string] = Number(match[2]);
  }
  return calls;
}

describe.each(ADAPTERS)('Redis commands per request on %s', (adapter: AdapterName) => {
  let server: RedisServer;
  let app: TestApp;

  beforeAll(async () => {
    server = await startRedis();
    app = await createTestApp(adapter, {
      store: { type: 'redis', url: server.url },
      // No touch is ever due, so a read has no reason to write.
      idleTimeout: 60 * MINUTE,
      touchInterval: 59 * MINUTE,
    });
  });
  afterAll(async () => {
    await app.close();
    await server.dispose();
  });

  it('reads a session with exactly one HGETALL and writes nothing', async () => {
    const login = await request(app.server as never).post('/login').send({ user: 'alice' });
    const cookie = cookiePair(login.headers['set-cookie']) as string;
    await server.cli('config', 'resetstat');

    const requests = 7;
    for (let i = 0; i < requests; i++) {
      await request(app.server as never).get('/me').set('Cookie', cookie).expect(200);
    }

    // Nothing but the reads: no EVALSHA, ZADD or EXPIRE.
    expect(await commandCalls(server)).toEqual({ hgetall: requests });
  });

  it('spends no Redis command on a forged cookie', async () => {
    await server.cli('config', 'resetstat');
    const forged = `sid=${randomBytes(32).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
    const res = await request(app.server as never).get('/me').set('Cookie', forged);
    expect(res.status).toBe(401);
    expect(await commandCalls(server)).toEqual({});
  });
});
