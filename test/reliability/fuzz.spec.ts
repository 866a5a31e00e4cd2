import fc from 'fast-check';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSessionId } from '../../src/token/session-token.js';
import { type CountingStore, countingStore } from '../support/counting-store.js';
import { type ForgedDelivery, forgedDelivery } from '../support/forged-tokens.js';
import { KeptAliveClient, rawGet, sendableHeaderValue } from '../support/http-probe.js';
import { type StoreTarget, openMemoryStore, useDynamoDbStore, useRedisStore } from '../support/store-target.js';
import { ADAPTERS, type AdapterName, OLD_SECRET, SECRET, type TestApp, cookiePair, createTestApp } from '../support/test-app.js';

const CASES = 10_000;
const BATCH = 50;
const HEADER = 'x-session-token';
// Both secrets verify, so a token either of them signed is genuine, not forged.
const ACCEPTED = [SECRET, OLD_SECRET];
const GUARDED = ['/me', '/role', '/sessions'];

/** For each store, what starts it for the calling describe and opens the store on it. */
const STORES: Record<string, () => () => Promise<StoreTarget>> = {
  memory: () => openMemoryStore,
  redis: useRedisStore,
  dynamodb: useDynamoDbStore,
};

const total = (counting: CountingStore) => Object.values(counting.calls).reduce((sum, n) => sum + n, 0);

describe.each(Object.keys(STORES))('fuzzed session tokens with the %s store', (storeName) => {
  const open = (STORES[storeName] as () => () => Promise<StoreTarget>)();
  let target: StoreTarget;
  let counting: CountingStore;

  beforeAll(async () => {
    target = await open();
    counting = countingStore(target.store);
  });
  afterAll(async () => {
    await target?.close();
  });

  describe.each(ADAPTERS)('on %s', (adapter: AdapterName) => {
    let app: TestApp;
    let client: KeptAliveClient;

    beforeAll(async () => {
      app = await createTestApp(adapter, { store: counting.store, secrets: ACCEPTED, transport: 'both', headerName: HEADER });
      await app.app.listen(0, '127.0.0.1');
      client = new KeptAliveClient((app.app.getHttpServer().address() as AddressInfo).port, 8);
    });
    afterAll(async () => {
      client?.close();
      await app?.close();
    });

    it(`refuses ${CASES.toLocaleString('en')} forged cookies and headers with 401 or 400 and no store access`, async () => {
      // The same client, app and store serve a genuine session before and after, so a refusal
      // below is the forgery's doing and the counting proxy is known to see store calls.
      const login = await client.send({ method: 'POST', path: '/login', json: { user: `fuzz-${adapter}` } });
      const genuine = cookiePair(login.headers['set-cookie']) as string;
      const beforeCalls = total(counting);
      expect((await client.send({ path: '/me', headers: { cookie: genuine } })).status).toBe(200);
      expect(total(counting)).toBeGreaterThan(beforeCalls);
      // A token signed with the older, still accepted secret is genuine too: the fuzzed "old
      // secrets" below are ones the app no longer has.
      const rotated = signSessionId(genuine.slice(4, 47), OLD_SECRET);
      expect((await client.send({ path: '/me', headers: { [HEADER]: rotated } })).status).toBe(200);

      const statuses = new Map<number, number>();
      const kinds = new Map<string, number>();
      let raw = 0;
      let path = 0;
      const deliver = async (delivery: ForgedDelivery): Promise<number> => {
        const route = GUARDED[path++ % GUARDED.length] as string;
        kinds.set(delivery.kind, (kinds.get(delivery.kind) ?? 0) + 1);
        if ([...delivery.cookie, ...delivery.header].every(sendableHeaderValue)) {
          const headers: Record<string, string | string[]> = {};
          if (delivery.cookie.length > 0) headers.cookie = delivery.cookie;
          if (delivery.header.length > 0) headers[HEADER] = delivery.header;
          return (await client.send({ path: route, headers })).status;
        }
        raw += 1;
        return rawGet(client.port, route, [
          ...delivery.cookie.map((c) => `Cookie: ${c}`),
          ...delivery.header.map((h) => `${HEADER}: ${h}`),
        ]);
      };
      // Batches go out concurrently over a few kept-alive connections; a failing batch still
      // shrinks to a small reproduction with its seed.
      await fc.assert(
        fc.asyncProperty(fc.array(forgedDelivery(ACCEPTED, 'sid'), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
          const callsBefore = total(counting);
          const answers = await Promise.all(batch.map(deliver));
          for (const status of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
          expect(answers.filter((status) => status !== 400 && status !== 401)).toEqual([]);
          expect(total(counting) - callsBefore).toBe(0);
        }),
        { numRuns: CASES / BATCH },
      );

      expect((await client.send({ path: '/me', headers: { cookie: genuine } })).status).toBe(200);
      const cases = [...statuses.values()].reduce((sum, n) => sum + n, 0);
      expect(cases).toBe(CASES);
      console.log(
        `[reliability] fuzz ${adapter}/${storeName}: ${cases} forged values (${raw} as raw bytes), ` +
          `statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${kinds.size} kinds of forgery, store calls 0`,
      );
    }, 180_000);

    it("leaves a cookie beyond Node's header limit to Node (431) and keeps serving", async () => {
      const before = total(counting);
      expect(await rawGet(client.port, '/me', [`Cookie: sid=${'A'.repeat(20_000)}`])).toBe(431);
      expect(total(counting)).toBe(before);
      expect((await client.send({ path: '/me' })).status).toBe(401);
    });
  });
});
