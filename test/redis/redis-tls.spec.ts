import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/stores/redis/redis-store.factory.js';
import type { SessionStore } from '../../src/index.js';
import { useRedisServer } from '../support/redis-server.js';

describe('Redis store over TLS (rediss://)', () => {
  const server = useRedisServer({ tls: true });
  const tls = () => server.tls as { url: string; ca: string };

  const roundTrip = async (store: SessionStore) => {
    const key = randomBytes(32).toString('base64url');
    const now = Date.now();
    const record = { userId: 'alice', data: { a: 1 }, createdAt: now, refreshedAt: now, expiresAt: now + 60_000 };
    await store.create(key, record);
    return store.get(key);
  };

  it('connects over TLS when the certificate is trusted', async () => {
    const store = await createRedisStore({ type: 'redis', url: tls().url, tls: { ca: tls().ca } });
    expect((await roundTrip(store))?.data).toEqual({ a: 1 });
    await store.close();
  });

  it('verifies the server certificate: an unknown one gets no session through', async () => {
    const store = await createRedisStore({ type: 'redis', url: tls().url, connectTimeout: 300 });
    await expect(roundTrip(store)).rejects.toThrow();
    await store.close();
  });
});
