import { describe, expect, it } from 'vitest';
import { MemoryStore, SessionStoreUnavailableError } from '../src/index.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('memory', async () => {
  const store = new MemoryStore();
  return { store, close: () => store.close() };
});

describe('MemoryStore bounds', () => {
  const record = (expiresAt: number, userId: string | null = null) => ({ userId, data: {}, createdAt: 0, refreshedAt: 0, expiresAt });
  const far = () => Date.now() + 60_000;

  it('evicts the least recently used session beyond maxSessions', async () => {
    const store = new MemoryStore(2);
    await store.create('a', record(far()));
    await store.create('b', record(far()));
    await store.get('a');
    await store.create('c', record(far()));
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

  it("makes room for a session without a user by evicting the least recently used one, never a user's", async () => {
    const store = new MemoryStore(3);
    await store.create('user', record(far(), 'u'));
    await store.create('a1', record(far()));
    await store.create('a2', record(far()));
    await store.get('a1');
    await store.create('a3', record(far()));
    expect(await store.get('a2')).toBeNull();
    for (const key of ['user', 'a1', 'a3']) expect(await store.get(key)).not.toBeNull();
    await store.close();
  });

  it('refuses a new session without a user with a 503 when only signed-in sessions remain', async () => {
    const store = new MemoryStore(2);
    await store.create('u1', record(far(), 'u1'));
    await store.create('u2', record(far(), 'u2'));
    await expect(store.create('a', record(far()))).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    expect(await store.get('a')).toBeNull();
    for (const key of ['u1', 'u2']) expect(await store.get(key)).not.toBeNull();
    await store.close();
  });

  it('lets a signed-in session evict one without a user first, then the least recently used', async () => {
    const store = new MemoryStore(2);
    await store.create('u1', record(far(), 'u1'));
    await store.create('a', record(far()));
    await store.create('u2', record(far(), 'u2'));
    expect(await store.get('a')).toBeNull();
    expect(await store.get('u1')).not.toBeNull();
    await store.create('u3', record(far(), 'u3'));
    expect(await store.get('u2')).toBeNull();
    expect(await store.findByUser('u2', Date.now())).toEqual([]);
    for (const key of ['u1', 'u3']) expect(await store.get(key)).not.toBeNull();
    await store.close();
  });
});
