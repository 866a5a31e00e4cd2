import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SessionRecord, SessionStore } from '../src/index.js';

/**
 * The behaviour every store must have. Each store's spec calls this with a factory for a store
 * that starts empty or uses fresh keys; nothing here knows which store it tests.
 */
export interface ContractTarget {
  store: SessionStore;
  /** Stops what the factory started. */
  close(): Promise<void>;
}

const MINUTE = 60_000;

export function describeStoreContract(name: string, open: () => Promise<ContractTarget>): void {
  describe(`${name} store contract`, () => {
    let target: ContractTarget;
    let store: SessionStore;
    let now: number;
    const key = () => randomBytes(32).toString('base64url');
    const user = () => `user-${randomBytes(6).toString('hex')}`;
    const record = (overrides: Partial<SessionRecord> = {}): SessionRecord => ({
      userId: null,
      data: { theme: 'dark', cart: [{ sku: 'a-1', qty: 2 }], nested: { a: { b: [1, null, true] } } },
      createdAt: now,
      refreshedAt: now,
      expiresAt: now + 30 * MINUTE,
      ...overrides,
    });
    const update = (overrides: Partial<Parameters<SessionStore['update']>[1]> = {}) => ({
      set: {},
      unset: [],
      refreshedAt: now + MINUTE,
      expiresAt: now + 31 * MINUTE,
      ...overrides,
    });

    beforeAll(async () => {
      target = await open();
      store = target.store;
    });
    afterAll(async () => {
      await target.close();
    });
    beforeEach(() => {
      now = Date.now();
    });

    it('returns what was created, JSON values intact', async () => {
      const k = key();
      const rec = record({ userId: 'u1' });
      expect(await store.create(k, rec)).toBe(true);
      expect(await store.get(k)).toEqual(rec);
    });

    it('returns null for an unknown key', async () => {
      expect(await store.get(key())).toBeNull();
    });

    it('does not overwrite an existing key on create', async () => {
      const k = key();
      await store.create(k, record());
      expect(await store.create(k, record({ data: { other: 1 } }))).toBe(false);
      expect((await store.get(k))?.data).toEqual(record().data);
    });

    it('keeps data keys that look like metadata apart from the metadata', async () => {
      const k = key();
      const data = { userId: 'spoof', createdAt: 1, expiresAt: 1, refreshedAt: 1, data: 'x', client: 'y' };
      const rec = record({ data, userId: 'real' });
      await store.create(k, rec);
      expect(await store.get(k)).toEqual(rec);
    });

    it('keeps the client that started the session through updates', async () => {
      const k = key();
      const client = { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0', ip: '203.0.113.7' };
      await store.create(k, record({ client }));
      expect((await store.get(k))?.client).toEqual(client);
      await store.update(k, update({ set: { theme: 'light' }, userId: user() }), now);
      expect((await store.get(k))?.client).toEqual(client);
      const none = key();
      await store.create(none, record());
      expect(await store.get(none)).not.toHaveProperty('client');
    });

    it('updates only the keys it names, setting and unsetting', async () => {
      const k = key();
      await store.create(k, record());
      const applied = await store.update(k, update({ set: { theme: 'light', added: { x: 1 } }, unset: ['cart'] }), now);
      expect(applied).toBe(true);
      const got = await store.get(k);
      expect(got?.data).toEqual({ theme: 'light', added: { x: 1 }, nested: record().data.nested });
      expect(got?.refreshedAt).toBe(now + MINUTE);
      expect(got?.expiresAt).toBe(now + 31 * MINUTE);
      expect(got?.createdAt).toBe(now);
    });

    it('keeps both writes when two updates change different keys at once', async () => {
      const k = key();
      await store.create(k, record({ data: {} }));
      const writes = Array.from({ length: 20 }, (_, i) => store.update(k, update({ set: { [`k${i}`]: i } }), now));
      expect(await Promise.all(writes)).toEqual(Array(20).fill(true));
      const got = await store.get(k);
      expect(Object.keys(got?.data ?? {}).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`).sort());
    });

    it('refuses to update a missing key and does not create it', async () => {
      const k = key();
      expect(await store.update(k, update({ set: { a: 1 } }), now)).toBe(false);
      expect(await store.get(k)).toBeNull();
    });

    it('refuses to update a deleted session (no resurrection)', async () => {
      const k = key();
      await store.create(k, record());
      await store.delete(k);
      expect(await store.update(k, update({ set: { a: 1 } }), now)).toBe(false);
      expect(await store.get(k)).toBeNull();
    });

    it('refuses to update a session past its expiry', async () => {
      const k = key();
      await store.create(k, record({ expiresAt: now + MINUTE }));
      expect(await store.update(k, update({ set: { a: 1 } }), now + 2 * MINUTE)).toBe(false);
      const got = await store.get(k);
      if (got) expect(got.data).not.toHaveProperty('a');
    });

    it('deletes idempotently', async () => {
      const k = key();
      await store.create(k, record());
      await store.delete(k);
      await store.delete(k);
      expect(await store.get(k)).toBeNull();
    });

    it("lists a user's live sessions and no one else's", async () => {
      const alice = user();
      const bob = user();
      const [a1, a2, b1, expired] = [key(), key(), key(), key()];
      await store.create(a1, record({ userId: alice }));
      await store.create(a2, record({ userId: alice }));
      await store.create(b1, record({ userId: bob }));
      await store.create(expired, record({ userId: alice, expiresAt: now + MINUTE }));
      const found = await store.findByUser(alice, now + 2 * MINUTE);
      expect(found.map((s) => s.key).sort()).toEqual([a1, a2].sort());
      expect(found.find((s) => s.key === a1)?.record.userId).toBe(alice);
      expect(await store.findByUser(user(), now)).toEqual([]);
    });

    it('drops a deleted session from its user index', async () => {
      const alice = user();
      const [a1, a2] = [key(), key()];
      await store.create(a1, record({ userId: alice }));
      await store.create(a2, record({ userId: alice }));
      await store.delete(a1);
      expect((await store.findByUser(alice, now)).map((s) => s.key)).toEqual([a2]);
    });

    it('moves a session between users when an update changes the user', async () => {
      const [alice, bob] = [user(), user()];
      const k = key();
      await store.create(k, record({ userId: alice }));
      expect(await store.update(k, update({ userId: bob }), now)).toBe(true);
      expect(await store.findByUser(alice, now)).toEqual([]);
      expect((await store.findByUser(bob, now)).map((s) => s.key)).toEqual([k]);
      expect((await store.get(k))?.userId).toBe(bob);
    });

    it('indexes a session that gains a user on update, and forgets one that loses it', async () => {
      const alice = user();
      const k = key();
      await store.create(k, record());
      await store.update(k, update({ userId: alice }), now);
      expect((await store.findByUser(alice, now)).map((s) => s.key)).toEqual([k]);
      await store.update(k, update({ userId: null }), now);
      expect(await store.findByUser(alice, now)).toEqual([]);
      expect((await store.get(k))?.userId).toBeNull();
    });
  });
}
