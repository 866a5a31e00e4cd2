import { createRedisStore } from '../../src/stores/redis/redis-store.factory.js';
import { describeStoreContract } from '../store-contract.js';
import { useRedisSentinel, useRedisServer } from '../support/redis-server.js';

const sentinel = useRedisSentinel(useRedisServer());

describeStoreContract('redis via sentinel', async () => {
  const store = await createRedisStore({ type: 'redis', sentinels: sentinel.sentinels, name: sentinel.name });
  return { store, close: () => store.close() };
});
