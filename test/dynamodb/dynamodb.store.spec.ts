import { type ConsumedCapacity, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDynamoDbStore } from '../../src/stores/dynamodb/dynamodb-store.factory.js';
import {
  SessionConfigError,
  SessionDataTooLargeError,
  type SessionRecord,
  type SessionStore,
  ensureTable,
  sessionOptionsFromEnv,
} from '../../src/index.js';
import { signSessionId, storeKeyOf } from '../../src/token/session-token.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { ADAPTERS, SECRET, createTestApp } from '../support/test-app.js';
import { describeStoreContract } from '../store-contract.js';

const MINUTE = 60_000;

const local = useDynamoDbLocal();
let client: DynamoDBClient;
let tables = 0;

/** A fresh table, so that no test sees another's items. */
async function freshTable(): Promise<string> {
  const table = `sessions-${++tables}`;
  await ensureTable(client, { table });
  return table;
}

async function openStore(options: { maxItemSize?: number } = {}): Promise<{ store: SessionStore; table: string }> {
  const table = await freshTable();
  const store = await createDynamoDbStore({ type: 'dynamodb', client, table, ...options });
  return { store, table };
}

beforeAll(() => {
  client = local.client();
});
afterAll(() => {
  client?.destroy();
});

describeStoreContract('dynamodb', async () => {
  const { store } = await openStore();
  return { store, close: async () => store.close?.() };
});

describe('DynamoDbStore', () => {
  const key = () => randomBytes(32).toString('base64url');
  const record = (now: number, overrides: Partial<SessionRecord> = {}): SessionRecord => ({
    userId: null,
    data: {},
    createdAt: now,
    refreshedAt: now,
    expiresAt: now + 30 * MINUTE,
    ...overrides,
  });

  it('round-trips every JSON shape DynamoDB can hold, empty and nested ones included', async () => {
    const { store } = await openStore();
    const k = key();
    const data = {
      empty: '',
      emptyMap: {},
      emptyList: [],
      nulls: [null, { n: null }],
      numbers: [0, -1.5, 0.1, 2 ** 53 + 2, 1e21, -1e-7, 1e125, Number.MAX_SAFE_INTEGER],
      text: 'ünïcødé ✓ 𝄞',
      'key with.dots#and:colons': { 'nested.key': true, '#x': [[[]]] },
      deep: JSON.parse(`${'['.repeat(30)}1${']'.repeat(30)}`) as unknown,
    };
    const rec = record(Date.now(), { data, userId: 'u', client: { userAgent: 'Mozilla/5.0', ip: '203.0.113.9' } });
    expect(await store.create(k, rec)).toBe(true);
    expect(await store.get(k)).toEqual(rec);
  });

  it('refuses values DynamoDB cannot store, writing nothing', async () => {
    const { store } = await openStore();
    const now = Date.now();
    const tooDeep = JSON.parse(`${'['.repeat(31)}1${']'.repeat(31)}`) as unknown;
    for (const value of [1e300, 5e-324, tooDeep]) {
      const k = key();
      await expect(store.create(k, record(now, { data: { value } }))).rejects.toThrow(/DynamoDB/);
      expect(await store.get(k)).toBeNull();
    }
  });

  it('writes the TTL attribute in epoch seconds, rounded up, and keeps the exact deadline', async () => {
    const { store, table } = await openStore();
    const k = key();
    const expiresAt = 1_900_000_000_123;
    await store.create(k, record(expiresAt - MINUTE, { expiresAt }));
    const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { sid: { S: k } } }));
    expect(Item?.expiresAt).toEqual({ N: '1900000001' });
    expect(Item?.expiresAtMs).toEqual({ N: '1900000000123' });
    expect(Item?.userId).toBeUndefined();
    expect((await store.get(k))?.expiresAt).toBe(expiresAt);
  });

  it('applies an update of many keys at once', async () => {
    const { store } = await openStore();
    const now = Date.now();
    const k = key();
    const before = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`old${i}`, i]));
    await store.create(k, record(now, { data: before }));
    const set = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`new ${i}`, { i }]));
    const unset = Object.keys(before);
    expect(await store.update(k, { set, unset, refreshedAt: now, expiresAt: now + MINUTE }, now)).toBe(true);
    expect((await store.get(k))?.data).toEqual(set);
  });

  it('lists a user with more sessions than one batch read returns', async () => {
    const { store } = await openStore();
    const now = Date.now();
    const keys = Array.from({ length: 130 }, key);
    await Promise.all(keys.map((k) => store.create(k, record(now, { userId: 'many' }))));
    const found = await store.findByUser('many', now);
    expect(found.map((s) => s.key).sort()).toEqual(keys.sort());
  });

  // Projecting expiresAt into the index would let list() skip expired sessions, at the price of
  // an index write on every refresh: see "Table layout" in the README.
  it("writes nothing to the user index when a signed-in session's data changes or it is refreshed", async () => {
    const measured = local.client();
    const indexUnits: number[] = [];
    measured.middlewareStack.add(
      (next) => async (args) => {
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
        const result = await next(args);
        const capacity = (result.output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity;
        indexUnits.push(Object.values(capacity?.GlobalSecondaryIndexes ?? {}).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0));
        return result;
      },
      { step: 'initialize' },
    );
    try {
      const table = await freshTable();
      const store = await createDynamoDbStore({ type: 'dynamodb', client: measured, table });
      const now = Date.now();
      const k = key();
      await store.create(k, record(now, { userId: 'u' }));
      indexUnits.length = 0;
      await store.update(k, { set: { theme: 'dark' }, unset: [], refreshedAt: now + 1, expiresAt: now + 31 * MINUTE }, now);
      await store.update(k, { set: {}, unset: [], refreshedAt: now + 2, expiresAt: now + 32 * MINUTE }, now);
      expect(indexUnits).toEqual([0, 0]);
    } finally {
      measured.destroy();
    }
  });

  describe('refuses data that is too large, writing nothing', () => {
    it('on create, above maxItemSize', async () => {
      const { store } = await openStore({ maxItemSize: 10_000 });
      const k = key();
      const error = await store.create(k, record(Date.now(), { data: { blob: 'x'.repeat(10_000) } })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SessionDataTooLargeError);
      expect((error as Error).message).toMatch(/limit of 10000 bytes/);
      expect(await store.get(k)).toBeNull();
    });

    it("on create, above DynamoDB's 400 KiB by default", async () => {
      const { store } = await openStore();
      const k = key();
      const data = { blob: 'x'.repeat(400 * 1024 - 200), more: 'y'.repeat(300) };
      await expect(store.create(k, record(Date.now(), { data }))).rejects.toBeInstanceOf(SessionDataTooLargeError);
      expect(await store.get(k)).toBeNull();
    });

    it('on an update whose values alone exceed maxItemSize', async () => {
      const { store } = await openStore({ maxItemSize: 10_000 });
      const now = Date.now();
      const k = key();
      await store.create(k, record(now, { data: { small: 1 } }));
      const update = { set: { blob: 'x'.repeat(10_000) }, unset: ['small'], refreshedAt: now + 1, expiresAt: now + MINUTE };
      await expect(store.update(k, update, now)).rejects.toBeInstanceOf(SessionDataTooLargeError);
      expect(await store.get(k)).toEqual(record(now, { data: { small: 1 } }));
    });

    it('on an update that would take the whole item past 400 KiB', async () => {
      const { store } = await openStore();
      const now = Date.now();
      const k = key();
      const first = { a: 'x'.repeat(250_000) };
      await store.create(k, record(now, { data: first }));
      const update = { set: { b: 'y'.repeat(250_000) }, unset: [], refreshedAt: now + 1, expiresAt: now + MINUTE };
      const error = await store.update(k, update, now).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SessionDataTooLargeError);
      expect((error as Error).message).toMatch(/Session data of 5\d{5} bytes exceeds the limit of 409600 bytes/);
      expect(await store.get(k)).toEqual(record(now, { data: first }));
    });
  });

  describe('a session past its deadline that TTL has not removed yet', () => {
    let table: string;
    let store: SessionStore;
    const id = randomBytes(32).toString('base64url');
    const k = storeKeyOf(id);
    const past = Date.now() - 5 * MINUTE;

    beforeAll(async () => {
      ({ store, table } = await openStore());
      // As a crashed or older writer, or DynamoDB's TTL lag, would leave it. The TTL attribute is
      // not due yet: DynamoDB Local deletes items whose TTL has passed, at its own pace, and this
      // item must outlive the tests below; the deadline the store checks is `expiresAtMs`.
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            sid: { S: k },
            userId: { S: 'mallory' },
            data: { M: { role: { S: 'admin' } } },
            createdAt: { N: String(past - 30 * MINUTE) },
            refreshedAt: { N: String(past - MINUTE) },
            expiresAt: { N: String(Math.ceil(Date.now() / 1000) + 3600) },
            expiresAtMs: { N: String(past) },
          },
        }),
      );
    });

    it('is read as stored, so the caller sees its deadline', async () => {
      expect((await store.get(k))?.expiresAt).toBe(past);
    });

    it.each(ADAPTERS)('does not authenticate a request on %s', async (adapter) => {
      const app = await createTestApp(adapter, { store });
      try {
        const res = await request(app.server as never).get('/me').set('Cookie', `sid=${signSessionId(id, SECRET)}`);
        expect(res.status).toBe(401);
      } finally {
        await app.close();
      }
    });

    it('is not updated, nor listed for its user', async () => {
      const now = Date.now();
      const update = { set: { role: 'root' }, unset: [], refreshedAt: now, expiresAt: now + 30 * MINUTE };
      expect(await store.update(k, update, now)).toBe(false);
      expect((await store.get(k))?.data).toEqual({ role: 'admin' });
      expect(await store.findByUser('mallory', now)).toEqual([]);
    });

    it('is not updated when only its TTL attribute has passed', async () => {
      const now = Date.now();
      const other = key();
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            sid: { S: other },
            data: { M: {} },
            createdAt: { N: String(now) },
            refreshedAt: { N: String(now) },
            expiresAt: { N: String(Math.floor(now / 1000) - 1) },
            expiresAtMs: { N: String(now + 30 * MINUTE) },
          },
        }),
      );
      const update = { set: { a: 1 }, unset: [], refreshedAt: now, expiresAt: now + 30 * MINUTE };
      expect(await store.update(other, update, now)).toBe(false);
    });
  });

  it('leaves a client it was given open when closed', async () => {
    const { store } = await openStore();
    await store.close?.();
    expect(await store.get(key())).toBeNull();
  });

  it('creates a missing table at startup with autoCreateTable, warning that it is for development', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const table = `auto-${++tables}`;
      const store = await createDynamoDbStore({ type: 'dynamodb', client, table, autoCreateTable: true });
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/autoCreateTable is for development/));
      const k = key();
      expect(await store.create(k, record(Date.now(), { userId: 'u' }))).toBe(true);
      expect((await store.findByUser('u', Date.now())).map((s) => s.key)).toEqual([k]);
    } finally {
      warn.mockRestore();
    }
  });

  it('reads its options from SESSION_DYNAMODB_* variables', () => {
    const options = sessionOptionsFromEnv({
      SESSION_SECRETS: SECRET,
      SESSION_STORE: 'dynamodb',
      SESSION_DYNAMODB_TABLE: 'app-sessions',
      SESSION_DYNAMODB_REGION: 'eu-west-1',
      SESSION_DYNAMODB_CONSISTENT_READ: 'false',
      SESSION_DYNAMODB_AUTO_CREATE_TABLE: 'true',
    });
    expect(options.store).toEqual({
      type: 'dynamodb',
      table: 'app-sessions',
      region: 'eu-west-1',
      consistentRead: false,
      autoCreateTable: true,
    });
  });

  it('refuses options it cannot work with at boot, naming each', async () => {
    const error = await createDynamoDbStore({
      type: 'dynamodb',
      client,
      region: 'eu-west-1',
      maxItemSize: 500 * 1024,
      indexName: 'x',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionConfigError);
    expect((error as SessionConfigError).problems.map((p) => p.name).sort()).toEqual(
      ['store.indexName', 'store.maxItemSize', 'store.region', 'store.table'].sort(),
    );
  });
});
