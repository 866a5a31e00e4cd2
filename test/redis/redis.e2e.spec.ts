import { afterAll, beforeAll } from 'vitest';
import { createRedisStore } from '../../src/stores/redis/redis-store.factory.js';
import { describeSessionE2E } from '../e2e/session-e2e.suite.js';
import { type RedisServer, startRedis } from '../support/redis-server.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.dispose();
});

describeSessionE2E('redis', async () => {
  const store = await createRedisStore({ type: 'redis', url: server.url });
  return { store, close: () => store.close() };
});
