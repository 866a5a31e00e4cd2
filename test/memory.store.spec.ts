import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/index.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('memory', async () => {
  const store = new MemoryStore();
  return { store, close: () => store.close() };
});

describe('MemoryStore bounds', () => {
  const record = (expiresAt: number) => ({ userId: null, data: {}, createdAt: 0, refreshedAt: 0, expiresAt });

  it('evicts the least recently used session beyond maxSessions', async () => {
    const store = new MemoryStore(2);
    const far = Date.now() + 60_000;
    await store.create('a', record(far));
    await store.create('b', record(far));
    await store.get('a');
    await store.create('c', record(far));
    expect(store.size).toBe(2);
    expect(await store.get('b')).toBeNull();
    expect(await store.get('a')).not.toBeNull();
    await store.close();
  });

  it('sweeps expired sessions before evicting live ones', async () => {
    const store = new MemoryStore(2);
    await store.create('old', record(Date.now() - 1));
    await store.create('live', record(Date.now() + 60_000));
    await store.create('new', record(Date.now() + 60_000));
    expect(await store.get('live')).not.toBeNull();
    expect(await store.get('old')).toBeNull();
    await store.close();
  });
});
