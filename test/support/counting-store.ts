import type { SessionStore } from '../../src/index.js';

export type StoreOperation = 'get' | 'create' | 'update' | 'delete' | 'findByUser';
const OPERATIONS: StoreOperation[] = ['get', 'create', 'update', 'delete', 'findByUser'];

export interface CountingStore {
  store: SessionStore;
  calls: Record<StoreOperation, number>;
  reset(): void;
  clearHooks(): void;
  /** Runs before the named operation reaches the real store; delete a hook to remove it. */
  readonly before: Partial<Record<StoreOperation, (key: string) => Promise<void> | void>>;
}

/** Wraps a real store to count the calls the module makes, without changing what they do. */
export function countingStore(inner: SessionStore): CountingStore {
  const calls = Object.fromEntries(OPERATIONS.map((op) => [op, 0])) as Record<StoreOperation, number>;
  const before: CountingStore['before'] = {};
  const wrap =
    <A extends unknown[], R>(op: StoreOperation, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      calls[op] += 1;
      await before[op]?.(args[0] as string);
      return fn(...args);
    };
  const store: SessionStore = {
    get: wrap('get', (key) => inner.get(key)),
    create: wrap('create', (key, record) => inner.create(key, record)),
    update: wrap('update', (key, update, now) => inner.update(key, update, now)),
    delete: wrap('delete', (key) => inner.delete(key)),
    findByUser: wrap('findByUser', (userId, now) => inner.findByUser(userId, now)),
  };
  return {
    store,
    calls,
    before,
    reset: () => {
      for (const op of OPERATIONS) calls[op] = 0;
    },
    clearHooks: () => {
      for (const op of OPERATIONS) delete before[op];
    },
  };
}

export const writesOf = (calls: Record<StoreOperation, number>) => calls.create + calls.update + calls.delete;
