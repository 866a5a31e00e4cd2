import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/stores/redis/redis-store.factory.js';
import { describeStoreContract } from '../store-contract.js';
import { useRedisCluster } from '../support/redis-server.js';

const cluster = useRedisCluster();

describeStoreContract('redis cluster', async () => {
  const store = await createRedisStore({ type: 'redis', clusterNodes: cluster.nodes });
  return { store, close: () => store.close() };
});

describe('Redis store on a cluster', () => {
  it('reaches the whole cluster from one configuration endpoint URL', async () => {
    const [first] = cluster.nodes;
    const store = await createRedisStore({ type: 'redis', url: `redis://127.0.0.1:${first?.port}`, cluster: true });
    const user = `user-${randomBytes(6).toString('hex')}`;
    const keys = Array.from({ length: 12 }, () => randomBytes(32).toString('base64url'));
    const now = Date.now();
    for (const key of keys) {
      await store.create(key, { userId: user, data: { n: 1 }, createdAt: now, refreshedAt: now, expiresAt: now + 60_000 });
    }
    expect((await store.findByUser(user, now)).map((s) => s.key).sort()).toEqual([...keys].sort());
    await store.close();
  });

  it('spreads sessions over every master, so no command may rely on one slot', async () => {
    const admin = new Cluster(cluster.nodes);
    const store = await createRedisStore({ type: 'redis', client: admin });
    const now = Date.now();
    for (let i = 0; i < 30; i++) {
      await store.create(randomBytes(32).toString('base64url'), { userId: null, data: {}, createdAt: now, refreshedAt: now, expiresAt: now + 60_000 });
    }
    const counts = await Promise.all(admin.nodes('master').map((node) => node.dbsize()));
    expect(counts.filter((count) => count > 0)).toHaveLength(3);
    await admin.quit();
  });
});
