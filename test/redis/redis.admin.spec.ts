import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionService } from '../../src/index.js';
import { type AdminClient, describeSessionAdmin, handleOf, startAdminApp } from '../admin/session-admin.suite.js';
import { useRedisServer } from '../support/redis-server.js';
import { redisStoreOn } from '../support/store-target.js';

const server = useRedisServer();

describeSessionAdmin('redis', redisStoreOn(server));

// What the README's SessionService table says each call costs on Redis, counted by the server.
describe('Redis commands of SessionService and the admin routes', () => {
  let admin: AdminClient;
  let user: string;
  let devices: string[];
  let users = 0;

  beforeAll(async () => {
    admin = await startAdminApp('express', { session: { store: { type: 'redis', url: server.url } } });
    // Once through every script, so that each is cached and later calls are one EVALSHA, as in production.
    const warm = await admin.login('warm-up');
    await admin.list('warm-up');
    await admin.revoke(handleOf(warm));
  });
  afterAll(async () => {
    await admin?.app.close();
  });

  async function signIn(count: number): Promise<void> {
    user = `carol-${++users}`;
    devices = [];
    for (let i = 0; i < count; i++) devices.push(await admin.login(user));
    await server.resetCommandStats();
  }

  it('lists and counts L sessions with one script call and L HGETALLs', async () => {
    await signIn(3);
    expect((await admin.list(user)).body.count).toBe(3);
    expect(await server.commandCalls()).toEqual({ evalsha: 1, zremrangebyscore: 1, zrange: 1, hgetall: 3 });
    await server.resetCommandStats();
    expect(await admin.app.get(SessionService).count(user)).toBe(3);
    expect(await server.commandCalls()).toEqual({ evalsha: 1, zremrangebyscore: 1, zrange: 1, hgetall: 3 });
  });

  it('ends one session with one script call and one ZREM', async () => {
    await signIn(1);
    expect((await admin.revoke(handleOf(devices[0] as string))).status).toBe(204);
    expect(await server.commandCalls()).toEqual({ evalsha: 1, hget: 1, del: 1, zrem: 1 });
  });

  it('ends all L sessions with the list, then one script call and one ZREM each', async () => {
    await signIn(2);
    expect((await admin.revokeAll(user)).body).toEqual({ revoked: 2 });
    expect(await server.commandCalls()).toEqual({ evalsha: 3, zremrangebyscore: 1, zrange: 1, hgetall: 2, hget: 2, del: 2, zrem: 2 });
  });
});
