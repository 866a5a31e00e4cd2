import { afterAll, beforeAll } from 'vitest';
import { createRedisStore } from '../../src/stores/redis/redis-store.factory.js';
import { describeStoreContract } from '../store-contract.js';
import { type RedisSentinel, type RedisServer, startRedis, startRedisSentinel } from '../support/redis-server.js';

let master: RedisServer;
let sentinel: RedisSentinel;
beforeAll(async () => {
  master = await startRedis();
  sentinel = await startRedisSentinel(master.port);
});
afterAll(async () => {
  await sentinel.dispose();
  await master.dispose();
});

describeStoreContract('redis via sentinel', async () => {
  const store = await createRedisStore({ type: 'redis', sentinels: sentinel.sentinels, name: sentinel.name });
  return { store, close: () => store.close() };
});
