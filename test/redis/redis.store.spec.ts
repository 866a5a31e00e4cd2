import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/stores/redis/redis-store.factory.js';
import { RedisStore, SessionConfigError, type SessionRecord } from '../../src/index.js';
import { describeStoreContract } from '../store-contract.js';
import { useRedisServer } from '../support/redis-server.js';
import { redisStoreOn } from '../support/store-target.js';

const server = useRedisServer();

describeStoreContract('redis', redisStoreOn(server));

describe('RedisStore in Redis', () => {
  let admin: Redis;
  const key = () => randomBytes(32).toString('base64url');
  const record = (overrides: Partial<SessionRecord> = {}): SessionRecord => {
    const now = Date.now();
    return { userId: 'alice', data: { a: 1 }, createdAt: now, refreshedAt: now, expiresAt: now + 60_000, ...overrides };
  };

  // PTTL rather than PEXPIRETIME (Redis 7 only), so the tests also run on the Redis 6 of older distributions.
  const expiresAt = async (redisKey: string) => Date.now() + (await admin.pttl(redisKey));

  beforeAll(() => {
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    await admin.quit();
  });

  it('writes every key under the configured prefix', async () => {
    const store = await createRedisStore({ type: 'redis', url: server.url, keyPrefix: 'app-one:' });
    const k = key();
    const user = `user-${key()}`;
    await store.create(k, record({ userId: user }));
    expect((await admin.keys(`*${k}*`)).sort()).toEqual([`app-one:s:${k}`]);
    expect(await admin.keys(`*${user}*`)).toEqual([`app-one:u:${user}`]);
    await store.delete(k);
    await store.close();
  });

  it('keeps apps with different prefixes apart', async () => {
    const one = await createRedisStore({ type: 'redis', url: server.url, keyPrefix: 'one:' });
    const two = await createRedisStore({ type: 'redis', url: server.url, keyPrefix: 'two:' });
    const k = key();
    await one.create(k, record());
    expect(await two.get(k)).toBeNull();
    expect(await two.create(k, record({ data: { b: 2 } }))).toBe(true);
    expect((await one.get(k))?.data).toEqual({ a: 1 });
    await Promise.all([one.close(), two.close()]);
  });

  it('lets Redis expire a session at expiresAt, and its user index with the last session', async () => {
    const store = await createRedisStore({ type: 'redis', url: server.url });
    const k = key();
    const later = key();
    const user = `user-${key()}`;
    const rec = record({ userId: user });
    await store.create(k, rec);
    await store.create(later, record({ userId: user, expiresAt: rec.expiresAt + 5000 }));
    expect(await expiresAt(`sess:s:${k}`)).toBeCloseTo(rec.expiresAt, -3);
    expect(await expiresAt(`sess:u:${user}`)).toBeCloseTo(rec.expiresAt + 5000, -3);

    const now = Date.now();
    await store.update(k, { set: {}, unset: [], refreshedAt: now, expiresAt: now + 120_000 }, now);
    expect(await expiresAt(`sess:s:${k}`)).toBeCloseTo(now + 120_000, -3);
    expect(await expiresAt(`sess:u:${user}`)).toBeCloseTo(now + 120_000, -3);
    await store.close();
  });

  it('drops a session and refuses to revive it once Redis expired it', async () => {
    const store = await createRedisStore({ type: 'redis', url: server.url });
    const k = key();
    const rec = record({ expiresAt: Date.now() + 150 });
    await store.create(k, rec);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await store.get(k)).toBeNull();
    expect(await store.update(k, { set: { a: 2 }, unset: [], refreshedAt: Date.now(), expiresAt: Date.now() + 60_000 }, Date.now())).toBe(false);
    expect(await admin.exists(`sess:s:${k}`)).toBe(0);
    await store.close();
  });

  it('stores data in a field per key, apart from the metadata', async () => {
    const store = await createRedisStore({ type: 'redis', url: server.url });
    const k = key();
    const rec = record({ data: { theme: 'dark' } });
    await store.create(k, rec);
    const hash = await admin.hgetall(`sess:s:${k}`);
    expect(Object.keys(hash).sort()).toEqual(['d:theme', 'm:c', 'm:e', 'm:r', 'm:u']);
    expect(hash['d:theme']).toBe('"dark"');
    await admin.hset(`sess:s:${k}`, 'd:__proto__', '{"polluted":true}');
    const got = await store.get(k);
    expect(Object.hasOwn(got?.data ?? {}, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(got?.data)).toBe(Object.prototype);
    await store.close();
  });

  it('keeps the captured client of a session through updates', async () => {
    const store = await createRedisStore({ type: 'redis', url: server.url });
    const k = key();
    const rec = record({ client: { userAgent: 'curl/8', ip: '203.0.113.9' } });
    await store.create(k, rec);
    const now = Date.now();
    await store.update(k, { set: { b: 2 }, unset: [], userId: 'bob', refreshedAt: now, expiresAt: now + 60_000 }, now);
    expect((await store.get(k))?.client).toEqual(rec.client);
    expect((await store.findByUser('bob', now))[0]?.record.client).toEqual(rec.client);
    expect(await store.get(key())).toBeNull();
    await store.close();
  });

  it('never closes a client the app handed in, and closes one it created', async () => {
    const connections = async () => Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))?.[1]);
    const before = await connections();
    const appClient = new Redis(server.url);
    const handed = await createRedisStore({ type: 'redis', client: appClient });
    await handed.get(key());
    await handed.close();
    expect(await appClient.ping()).toBe('PONG');
    await appClient.quit();

    const created = await createRedisStore({ type: 'redis', url: server.url });
    await created.get(key());
    expect(await connections()).toBe(before + 1);
    await created.close();
    expect(await connections()).toBe(before);
  });

  it('works with a RedisStore the app builds around its own client', async () => {
    const appClient = new Redis(server.url);
    const store = new RedisStore(appClient, { keyPrefix: 'own:' });
    const k = key();
    await store.create(k, record());
    expect((await store.get(k))?.data).toEqual({ a: 1 });
    await store.close();
    expect(appClient.status).toBe('ready');
    await appClient.quit();
  });
});

describe('Redis store options', () => {
  const problemsOf = async (options: Record<string, unknown>) => {
    try {
      await createRedisStore({ type: 'redis', ...options });
    } catch (error) {
      if (error instanceof SessionConfigError) return error.problems.map((p) => p.name);
      throw error;
    }
    throw new Error('expected a SessionConfigError');
  };

  it('refuses to boot without somewhere to connect', async () => {
    expect(await problemsOf({})).toEqual(['store.url']);
  });

  it('refuses a URL that is not redis:// or rediss://', async () => {
    expect(await problemsOf({ url: 'http://localhost:6379' })).toEqual(['store.url']);
  });

  it('refuses a credential or database given both in the URL and as an option', async () => {
    expect(await problemsOf({ url: 'redis://u:p@x:6379/2', username: 'v', password: 'q', db: 3 })).toEqual([
      'store.username',
      'store.password',
      'store.db',
    ]);
  });

  it('refuses two targets, sentinels without a name, and bad timeouts', async () => {
    expect(await problemsOf({ url: 'redis://x', clusterNodes: ['x:1'] })).toEqual(['store.clusterNodes']);
    expect(await problemsOf({ sentinels: [{ host: 'x', port: 1 }] })).toEqual(['store.name']);
    expect(await problemsOf({ url: 'redis://x', commandTimeout: 0, connectTimeout: 1.5 })).toEqual([
      'store.commandTimeout',
      'store.connectTimeout',
    ]);
  });

  it('refuses connection options next to an app-owned client, which would silently be ignored', async () => {
    const client = new Redis({ lazyConnect: true });
    expect(await problemsOf({ client, db: 2 })).toEqual(['store.client']);
    client.disconnect();
  });
});
