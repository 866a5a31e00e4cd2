import { afterAll, afterEach, beforeAll } from 'vitest';
import { MemoryStore, type SessionStore, ensureTable } from '../../src/index.js';
import { createDynamoDbStore } from '../../src/stores/dynamodb/dynamodb-store.factory.js';
import { createRedisStore } from '../../src/stores/redis/redis-store.factory.js';
import { type CountingStore, countingStore } from './counting-store.js';
import { type DynamoDbLocal, useDynamoDbLocal } from './dynamodb-local.js';
import { type RedisServer, useRedisServer } from './redis-server.js';

/** A store a suite runs against, and how to close it. */
export interface StoreTarget {
  store: SessionStore;
  close(): Promise<void>;
}

export const openMemoryStore = async (): Promise<StoreTarget> => {
  const store = new MemoryStore();
  return { store, close: () => store.close() };
};

/** Opens a Redis store on `server`, with a client of its own. */
export const redisStoreOn =
  (server: RedisServer) =>
  async (): Promise<StoreTarget> => {
    const store = await createRedisStore({ type: 'redis', url: server.url });
    return { store, close: () => store.close() };
  };

/** Opens a DynamoDB store on a fresh table of `local` each time, with a client of its own. */
export function dynamoDbStoreOn(local: DynamoDbLocal): () => Promise<StoreTarget> {
  let tables = 0;
  return async () => {
    const client = local.client();
    const table = `sessions-${++tables}`;
    await ensureTable(client, { table });
    const store = await createDynamoDbStore({ type: 'dynamodb', client, table });
    return {
      store,
      close: async () => {
        await store.close?.();
        client.destroy();
      },
    };
  };
}

/** A redis-server for the calling suite (see useRedisServer) and how to open a store on it. */
export const useRedisStore = (): (() => Promise<StoreTarget>) => redisStoreOn(useRedisServer());

/** DynamoDB Local for the calling suite (see useDynamoDbLocal) and how to open a store on it. */
export const useDynamoDbStore = (): (() => Promise<StoreTarget>) => dynamoDbStoreOn(useDynamoDbLocal());

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
