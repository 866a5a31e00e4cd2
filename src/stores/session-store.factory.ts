import { Logger } from '@nestjs/common';
import { MemoryStore } from './memory.store.js';
import { DEFAULTS } from '../session.constants.js';
import type { SessionStoreOption } from '../config/session-options.interface.js';
import type { SessionStore } from './session-store.interface.js';

/** A store and whether the module made it, and so must close it on shutdown. */
export interface StoreHandle {
  store: SessionStore;
  owned: boolean;
}

export const STORE_HANDLE = Symbol('SESSION:STORE_HANDLE');

/** Builds the configured store. Drivers of optional stores are imported only when chosen. */
export async function createStore(option: SessionStoreOption, storeTimeout: number): Promise<StoreHandle> {
  if (option === 'memory' || ('type' in option && option.type === 'memory')) {
    if (process.env.NODE_ENV === 'production') {
      new Logger('SessionModule').warn(
        'The memory session store loses every session on restart and is not shared between instances; use Redis or DynamoDB in production.',
      );
    }
    const maxSessions = typeof option === 'object' ? option.maxSessions : undefined;
    return { store: new MemoryStore(maxSessions ?? DEFAULTS.memoryMaxSessions), owned: true };
  }
  if ('type' in option && option.type === 'redis') {
    // The store closes only a client it created, so the module may always call close().
    const { createRedisStore } = await import('./redis/redis-store.factory.js');
    return { store: await createRedisStore(option, storeTimeout), owned: true };
  }
  if ('type' in option && option.type === 'dynamodb') {
    const { createDynamoDbStore } = await import('./dynamodb/dynamodb-store.factory.js');
    return { store: await createDynamoDbStore(option, storeTimeout), owned: true };
  }
  return { store: option, owned: false };
}
