import { RedisStore as ConnectRedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSessionsTableForProcesses } from '../support/dynamodb-local.js';
import { KeptAliveClient } from '../support/http-probe.js';
import { useRedisServer } from '../support/redis-server.js';
import { type SessionProcess, UNHANDLED_REJECTION, startSessionProcess } from '../support/session-process.js';
import { cookiePair } from '../support/test-app.js';

const SECRET = 'reliability-secret-0123456789-abcdefghij';
const WRITES = 100;
// The feature's own bounds: storeTimeout (1000 ms by default) plus headroom, and the recovery promise.
const UNAVAILABLE_WITHIN = 1500;
const RECOVERED_WITHIN = 2000;

/**
 * A store both app processes share, which the outage test can stop and start again with its
 * data, started for the calling describe; `env()` points an app process at it.
 */
interface SharedStore {
  env(): Record<string, string>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const STORES: Record<string, () => SharedStore> = {
  redis: () => {
    const server = useRedisServer({ persistent: true });
    return { env: () => ({ SESSION_STORE: 'redis', SESSION_REDIS_URL: server.url }), stop: () => server.stop(), start: () => server.start() };
  },
  dynamodb: () => {
    const { local, env } = useSessionsTableForProcesses();
    return { env, stop: () => local.stop(), start: () => local.start() };
  },
};

/** One app instance and a client holding kept-alive connections to it. */
interface Instance {
  process: SessionProcess;
  http: KeptAliveClient;
}

async function login(on: Instance, username: 'alice' | 'bob'): Promise<string> {
  const res = await on.http.send({ method: 'POST', path: '/auth/login', json: { username, password: `${username}-password` } });
  expect(res.status).toBe(200);
  return cookiePair(res.headers['set-cookie']) as string;
}

const statusOf = async (on: Instance, cookie: string, path = '/me', method = 'GET') =>
  (await on.http.send({ method, path, headers: { cookie } })).status;

interface WriteOutcome {
  /** The final status of each write. */
  statuses: number[];
  /** 503s answered before the writes got through. */
  retried: number;
}

/**
 * Sends `count` concurrent writes of key k<i> to one session, spread over the targets. A 503
 * acknowledges nothing: like a client honouring Retry-After, the write is sent again, after a
 * jittered pause (shorter than Retry-After: a test cannot wait seconds). A lost update is a
 * write answered 2xx whose key is missing afterwards. DynamoDB Local needs the retries: it
 * applies writes to one item one at a time, and 100 at once took it 1 to 6 s here.
 */
async function concurrentWrites(targets: KeptAliveClient[], cookie: string, count = WRITES): Promise<WriteOutcome> {
  let retried = 0;
  const statuses = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const target = targets[i % targets.length] as KeptAliveClient;
      for (let attempt = 1; ; attempt++) {
        const { status } = await target.send({ method: 'PUT', path: `/preferences/k${i}`, headers: { cookie }, json: { value: i } });
        if (status !== 503 || attempt === 40) return status;
        retried += 1;
        await sleep(200 + Math.random() * 400);
      }
    }),
  );
  return { statuses, retried };
}

const lostOf = (data: Record<string, unknown>, count = WRITES) =>
  Array.from({ length: count }, (_, i) => i).filter((i) => data[`k${i}`] !== i).length;

/** A on Express and B on Fastify: instances need not even share an adapter. */
async function startPair(env: Record<string, string>): Promise<[Instance, Instance]> {
  const processes = await Promise.all(
    (['express', 'fastify'] as const).map((adapter) =>
      startSessionProcess({ ...env, SESSION_SECRETS: SECRET, SESSION_COOKIE_SECURE: 'false', SERVER_ADAPTER: adapter }),
    ),
  );
  const [a, b] = processes.map((process) => ({ process, http: new KeptAliveClient(process.port, 50) }));
  return [a as Instance, b as Instance];
}

async function stopPair(pair: Instance[]): Promise<void> {
  for (const instance of pair) {
    instance.http.close();
    await instance.process.stop();
  }
}

describe.each(Object.keys(STORES))('two app processes sharing %s', (storeName) => {
  const store = (STORES[storeName] as () => SharedStore)();

  describe('A on Express, B on Fastify', () => {
    let a: Instance;
    let b: Instance;

    beforeAll(async () => {
      [a, b] = await startPair(store.env());
    }, 120_000);
    afterAll(async () => {
      await stopPair([a, b].filter(Boolean));
    });

    it('serves a login made on A from B, and refuses it on A as soon as B logs out', async () => {
      const cookie = await login(a, 'alice');
      const me = await b.http.send({ path: '/me', headers: { cookie } });
      expect(me.status).toBe(200);
      expect(JSON.parse(me.body)).toEqual({ userId: 'u-alice', name: 'alice', role: 'admin' });
      expect(await statusOf(b, cookie, '/auth/logout', 'POST')).toBe(204);
      expect(await statusOf(a, cookie)).toBe(401);
    });

    it("signs out the user's sessions on B when A signs out everywhere else", async () => {
      const here = await login(a, 'bob');
      const there = [await login(b, 'bob'), await login(b, 'bob')];
      for (const cookie of there) expect(await statusOf(b, cookie)).toBe(200);
      const res = await a.http.send({ method: 'POST', path: '/sessions/revoke-others', headers: { cookie: here } });
      expect(JSON.parse(res.body).revoked).toBeGreaterThanOrEqual(2);
      for (const cookie of there) {
        expect(await statusOf(b, cookie)).toBe(401);
        expect(await statusOf(a, cookie)).toBe(401);
      }
      expect(await statusOf(a, here)).toBe(200);
    });

    it('rides out a store outage under load and keeps every session saved before it', async () => {
      const saved: Array<{ cookie: string; on: Instance }> = [];
      for (let i = 0; i < 8; i++) {
        const on = i % 2 === 0 ? a : b;
        const cookie = await login(on, i % 2 === 0 ? 'alice' : 'bob');
        expect(await on.http.send({ method: 'PUT', path: '/preferences/saved', headers: { cookie }, json: { value: i } })).toMatchObject({ status: 204 });
        saved.push({ cookie, on });
      }

      const samples: Array<{ start: number; end: number; status: number }> = [];
      let loading = true;
      // A few clients with a pause between requests: steady traffic that leaves CPU to the stores.
      const worker = async (w: number) => {
        for (let n = w; loading; n += 4) {
          const { cookie } = saved[n % saved.length] as { cookie: string };
          const on = n % 2 === 0 ? a : b;
          const start = performance.now();
          let status = 0;
          try {
            const write = n % 3 === 0;
            status = (
              await on.http.send({ method: write ? 'PUT' : 'GET', path: write ? `/preferences/load${w}` : '/me', headers: { cookie }, json: write ? { value: n } : undefined })
            ).status;
          } catch {
            // A dropped or hung request counts as status 0, which the checks below refuse.
          }
          samples.push({ start, end: performance.now(), status });
          await sleep(20);
        }
      };
      const load = Promise.all([0, 1, 2, 3].map(worker));
      await sleep(1000);
      const downAt = performance.now();
      await store.stop();
      await sleep(3000);
      await store.start();
      const backAt = performance.now();
      await sleep(RECOVERED_WITHIN + 1500);
      loading = false;
      await load;

      // Reads answer 200 and writes 204 when all is well.
      const ok = (s: { status: number }) => s.status === 200 || s.status === 204;
      const count = (status: number) => samples.filter((s) => s.status === status).length;
      const unexpected = samples.filter((s) => !ok(s) && s.status !== 401 && s.status !== 503);
      expect(unexpected).toEqual([]);
      const unavailable = samples.filter((s) => s.status === 503);
      expect(unavailable.length).toBeGreaterThan(0);
      const slowest503 = Math.max(...unavailable.map((s) => s.end - s.start));
      expect(slowest503).toBeLessThan(UNAVAILABLE_WITHIN);
      const lastFailure = Math.max(...samples.filter((s) => !ok(s)).map((s) => s.end));
      const recovery = Math.max(0, lastFailure - backAt);
      const settled = samples.filter((s) => s.start > backAt + RECOVERED_WITHIN);
      expect(settled.length).toBeGreaterThan(0);
      expect(settled.filter((s) => !ok(s))).toEqual([]);
      expect(recovery).toBeLessThan(RECOVERED_WITHIN);

      for (const { cookie } of saved) {
        for (const on of [a, b]) {
          const res = await on.http.send({ path: '/preferences', headers: { cookie } });
          expect(res.status).toBe(200);
          expect(JSON.parse(res.body)).toHaveProperty('saved');
        }
      }
      for (const instance of [a, b]) {
        expect(instance.process.alive()).toBe(true);
        expect(instance.process.stderr()).not.toContain(UNHANDLED_REJECTION);
      }
      console.log(
        `[reliability] outage ${storeName}: down ${((backAt - downAt) / 1000).toFixed(1)} s under load; ` +
          `${samples.length} requests (${count(200) + count(204)} × 2xx, ${count(503)} × 503, ${count(401)} × 401); ` +
          `slowest 503 ${Math.round(slowest503)} ms; recovered ${Math.round(recovery)} ms after the store returned; ` +
          `${saved.length}/${saved.length} sessions kept`,
      );
    }, 120_000);

    it(`keeps all ${WRITES} keys written concurrently to one session through both instances`, async () => {
      const cookie = await login(a, 'alice');
      const { statuses, retried } = await concurrentWrites([a.http, b.http], cookie);
      expect(statuses.filter((status) => status !== 204)).toEqual([]);
      const data = JSON.parse((await b.http.send({ path: '/preferences', headers: { cookie } })).body) as Record<string, unknown>;
      const lost = lostOf(data);
      console.log(
        `[reliability] lost updates, nestjs-session-store on ${storeName}: ${lost} of ${WRITES} ` +
          `(${retried} answers were 503, nothing acknowledged, and sent again)`,
      );
      expect(lost).toBe(0);
      expect(data).toMatchObject({ name: 'alice', role: 'admin' });
    }, 90_000);
  });
});

describe('express-session + connect-redis under the same concurrent writes', () => {
  const server = useRedisServer();
  const closers: Array<() => Promise<void>> = [];
  const clients: KeptAliveClient[] = [];

  beforeAll(async () => {
    // Two instances sharing Redis, configured as its documentation recommends.
    for (let i = 0; i < 2; i++) {
      const redis = createClient({ url: server.url });
      await redis.connect();
      const app = express();
      app.use(express.json());
      app.use(session({ name: 'sid', secret: SECRET, resave: false, saveUninitialized: false, store: new ConnectRedisStore({ client: redis }) }));
      app.post('/login', (req, res) => {
        (req.session as unknown as Record<string, unknown>).user = 'alice';
        res.sendStatus(200);
      });
      app.put('/preferences/:key', (req, res) => {
        (req.session as unknown as Record<string, unknown>)[req.params.key] = (req.body as { value: unknown }).value;
        res.sendStatus(204);
      });
      app.get('/preferences', (req, res) => {
        res.json(req.session);
      });
      const http: Server = await new Promise((resolve) => {
        const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      });
      clients.push(new KeptAliveClient((http.address() as AddressInfo).port, 50));
      closers.push(async () => {
        await new Promise((resolve) => http.close(resolve));
        await redis.quit();
      });
    }
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    for (const close of closers) await close();
  });

  // The control for "keeps all 100 keys" above: the same writes, through the same client, do
  // overlap enough to lose updates when the store writes whole sessions. express-session saves
  // the session it read at the start of the request, so concurrent requests overwrite each
  // other's keys: 49 to 88 of 100 lost across runs, never none. Were it ever 0, our 0 would
  // prove nothing, so this asserts it.
  it('loses some of the same concurrent writes, where ours lose none', async () => {
    const login = await (clients[0] as KeptAliveClient).send({ method: 'POST', path: '/login' });
    const cookie = cookiePair(login.headers['set-cookie']) as string;
    const { statuses } = await concurrentWrites(clients, cookie);
    expect(statuses.filter((status) => status !== 204)).toEqual([]);
    const data = JSON.parse((await (clients[1] as KeptAliveClient).send({ path: '/preferences', headers: { cookie } })).body) as Record<string, unknown>;
    expect(data.user).toBe('alice');
    const lost = lostOf(data);
    console.log(`[reliability] lost updates, express-session + connect-redis: ${lost} of ${WRITES}`);
    expect(lost).toBeGreaterThan(0);
  });
});
