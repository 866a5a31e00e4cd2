import { afterAll, afterEach, beforeAll } from 'vitest';
import { MemoryStore, type SessionStore } from '../../src/index.js';
import { createRedisStore } from '../../src/stores/redis/redis-store.factory.js';
import { type CountingStore, countingStore } from './counting-store.js';
import { type RedisServer, startRedis } from './redis-server.js';

/** A store a suite runs against, and how to close it. */
export interface StoreTarget {
  store: SessionStore;
  close(): Promise<void>;
}

export const openMemoryStore = async (): Promise<StoreTarget> => {
  const store = new MemoryStore();
  return { store, close: () => store.close() };
};

/**
 * Starts a redis-server for the spec file that calls it (in its beforeAll, stopped in its
 * afterAll) and returns how to open a store on it.
 */
export function redisStoreOfThisFile(): () => Promise<StoreTarget> {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.dispose();
  });
  return async () => {
    const store = await createRedisStore({ type: 'redis', url: server.url });
    return { store, close: () => store.close() };
  };
}

/** The opened store and the counting wrapper the apps of a suite use. */
export interface CountedTarget {
  target: StoreTarget;
  counting: CountingStore;
}

/**
 * Opens the store once for the enclosing describe and counts its calls; after each test, runs
 * `cleanup` (closing that test's apps and clients), then zeroes the counts and drops the hooks.
 */
export function useCountedStore(open: () => Promise<StoreTarget>, cleanup: () => Promise<void>): CountedTarget {
  const opened = {} as CountedTarget;
  beforeAll(async () => {
    opened.target = await open();
    opened.counting = countingStore(opened.target.store);
  });
  afterEach(async () => {
    await cleanup();
    opened.counting.reset();
    opened.counting.clearHooks();
  });
  afterAll(async () => {
    await opened.target.close();
  });
  return opened;
}
