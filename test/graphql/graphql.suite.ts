import fc from 'fast-check';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { storeKeyOf } from '../../src/token/session-token.js';
import { writesOf } from '../support/counting-store.js';
import { forgedDelivery } from '../support/forged-tokens.js';
import {
  type Credentials,
  GRAPHQL_DRIVERS,
  type GraphQLApp,
  type GraphQLAppOptions,
  type GraphQLDriverName,
  type GraphQLResponse,
  createGraphQLApp,
  errorCodes,
  graphql,
} from '../support/graphql-app.js';
import { KeptAliveClient, sendableHeaderValue } from '../support/http-probe.js';
import { type StoreTarget, useCountedStore } from '../support/store-target.js';
import { SECRET, cookiePair } from '../support/test-app.js';

const FORGED = 300;
const BATCH = 25;
const LOGIN = 'mutation Login($user: String!) { login(user: $user) }';
const ME = '{ me { user data } }';

/** The session data the `me` query answered. */
function dataOf(res: GraphQLResponse): Record<string, unknown> {
  expect(res.errors).toBeUndefined();
  const me = res.data?.me as { data: string } | undefined;
  return JSON.parse(me?.data ?? 'null') as Record<string, unknown>;
}

/**
 * Sessions through GraphQL resolvers, on Apollo (Express) and Mercurius (Fastify), against one
 * store: what a client sees over POST /graphql, and what each operation costs the store.
 */
export function describeSessionGraphQL(name: string, open: () => Promise<StoreTarget>): void {
  describe.each(GRAPHQL_DRIVERS)(`GraphQL sessions on %s with the ${name} store`, (driver: GraphQLDriverName) => {
    const apps: GraphQLApp[] = [];
    const stores = useCountedStore(open, async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
    });

    async function start(options: GraphQLAppOptions = {}): Promise<GraphQLApp> {
      const app = await createGraphQLApp(driver, { ...options, session: { store: stores.counting.store, ...options.session } });
      apps.push(app);
      return app;
    }

    /** Logs in through the login mutation and returns the `sid=...` pair it set. */
    async function login(app: GraphQLApp, user = 'alice'): Promise<string> {
      const res = await graphql(app, LOGIN, {}, { user });
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ login: user });
      const pair = cookiePair(res.headers['set-cookie']);
      expect(pair).toMatch(/^sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      return pair as string;
    }

    const keyOf = (cookie: string) => storeKeyOf(cookie.slice(4, 47));

    it('logs in with a mutation, serves the user from the cookie, and logs out', async () => {
      const app = await start();
      const res = await graphql(app, LOGIN, {}, { user: 'alice' });
      const [setCookie] = res.headers['set-cookie'] as string[];
      expect((setCookie as string).split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Lax']);
      expect(res.headers['cache-control']).toMatch(/no-store/);
      const cookie = cookiePair(res.headers['set-cookie']) as string;

      const me = await graphql(app, ME, { cookie });
      expect(me.errors).toBeUndefined();
      expect(me.data?.me).toMatchObject({ user: 'alice' });
      expect(dataOf(me)).toEqual({ role: 'member' });
      expect((await graphql(app, '{ role whoami }', { cookie })).data).toEqual({ role: 'member', whoami: 'alice' });

      const logout = await graphql(app, 'mutation { logout }', { cookie });
      expect(logout.errors).toBeUndefined();
      expect(logout.data).toEqual({ logout: true });
      expect(String(logout.headers['set-cookie'])).toMatch(/^sid=; .*(Max-Age=0|Expires=Thu, 01 Jan 1970)/);
      expect(await stores.target.store.get(keyOf(cookie))).toBeNull();
      const after = await graphql(app, ME, { cookie });
      expect(errorCodes(after)).toEqual(['UNAUTHENTICATED']);
      expect(after.data ?? null).toBeNull();
    });

    it('refuses guarded fields without a session with UNAUTHENTICATED and no store access', async () => {
      const app = await start();
      stores.counting.reset();
      const me = await graphql(app, ME);
      expect(errorCodes(me)).toEqual(['UNAUTHENTICATED']);
      expect(me.errors?.[0]?.message).toBe('Session required');
      // The method-level guard refuses its own field only; the open field next to it answers.
      const mixed = await graphql(app, '{ ping whoami }');
      expect(mixed.data).toEqual({ ping: true, whoami: null });
      expect(errorCodes(mixed)).toEqual(['UNAUTHENTICATED']);
      expect(mixed.errors?.[0]?.path).toEqual(['whoami']);
      expect((await graphql(app, '{ ping }')).data).toEqual({ ping: true });
      expect(stores.counting.calls.get).toBe(0);
      expect(writesOf(stores.counting.calls)).toBe(0);
    });

    it(`refuses ${FORGED} forged cookies and headers with UNAUTHENTICATED and no store access`, async () => {
      const app = await start({ session: { transport: 'both' } });
      await app.app.listen(0, '127.0.0.1');
      const client = new KeptAliveClient((app.app.getHttpServer().address() as AddressInfo).port, 4);
      try {
        const genuine = await login(app, `fuzz-${driver}`);
        const ask = async (headers: Record<string, string | string[]>) => {
          const res = await client.send({ method: 'POST', path: '/graphql', headers, json: { query: '{ me { user } role }' } });
          return { status: res.status, ...(JSON.parse(res.body) as { errors?: Array<{ extensions?: { code?: string } }> }) };
        };
        // The same app and store serve a genuine session, so the counting proxy is known to see its reads.
        stores.counting.reset();
        expect((await ask({ cookie: genuine })).errors).toBeUndefined();
        expect(stores.counting.calls.get).toBeGreaterThan(0);

        const sendable = forgedDelivery([SECRET], 'sid').filter((d) => [...d.cookie, ...d.header].every(sendableHeaderValue));
        let cases = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(sendable, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
            stores.counting.reset();
            const answers = await Promise.all(
              batch.map((delivery) => {
                const headers: Record<string, string | string[]> = {};
                if (delivery.cookie.length > 0) headers.cookie = delivery.cookie;
                if (delivery.header.length > 0) headers['x-session-token'] = delivery.header;
                return ask(headers);
              }),
            );
            cases += answers.length;
            for (const answer of answers) {
              expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
            }
            expect(stores.counting.calls).toEqual({ get: 0, create: 0, update: 0, delete: 0, findByUser: 0 });
          }),
          { numRuns: FORGED / BATCH },
        );
        expect(cases).toBe(FORGED);
        expect((await ask({ cookie: genuine })).errors).toBeUndefined();
      } finally {
        client.close();
      }
    }, 30_000);

    it('costs exactly one store read and no write per query with a valid unchanged session', async () => {
      const app = await start();
      const cookie = await login(app);
      stores.counting.reset();
      for (let i = 0; i < 3; i++) expect((await graphql(app, ME, { cookie })).errors).toBeUndefined();
      expect(stores.counting.calls.get).toBe(3);
      expect(writesOf(stores.counting.calls)).toBe(0);
    });

    it('reads the store once for an operation that selects several guarded fields', async () => {
      const app = await start();
      const cookie = await login(app);
      stores.counting.reset();
      const res = await graphql(app, '{ me { user } again: me { user } role whoami ping }', { cookie });
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ me: { user: 'alice' }, again: { user: 'alice' }, role: 'member', whoami: 'alice', ping: true });
      expect(stores.counting.calls.get).toBe(1);
      expect(writesOf(stores.counting.calls)).toBe(0);
    });

    it('writes the changes of two mutation fields in one store write, before the response', async () => {
      const app = await start();
      const cookie = await login(app);
      stores.counting.reset();
      const res = await graphql(app, 'mutation { a: remember(key: "a", value: "1") b: remember(key: "b", value: "2") }', { cookie });
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ a: true, b: true });
      expect(stores.counting.calls.get).toBe(1);
      expect(stores.counting.calls.update).toBe(1);
      expect(stores.counting.calls.create + stores.counting.calls.delete).toBe(0);
      // Written by the time the response arrived: the store and the next request both see it.
      expect((await stores.target.store.get(keyOf(cookie)))?.data).toEqual({ role: 'member', a: '1', b: '2' });
      expect(dataOf(await graphql(app, ME, { cookie }))).toEqual({ role: 'member', a: '1', b: '2' });
    });

    it('answers SERVICE_UNAVAILABLE when the store fails, stays up, and recovers', async () => {
      const app = await start();
      const cookie = await login(app);
      stores.counting.before.get = () => {
        throw new Error('connection refused');
      };
      const read = await graphql(app, ME, { cookie });
      expect(errorCodes(read)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(read.headers['retry-after']).toBe('5');
      stores.counting.clearHooks();
      expect((await graphql(app, ME, { cookie })).errors).toBeUndefined();

      stores.counting.before.update = () => {
        throw new Error('connection refused');
      };
      // The write at the end of the operation failed: no result that looks like success.
      const write = await graphql(app, 'mutation { remember(key: "lost", value: "x") }', { cookie });
      expect(errorCodes(write)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(write.data ?? null).toBeNull();
      stores.counting.clearHooks();
      const me = await graphql(app, ME, { cookie });
      expect(me.errors).toBeUndefined();
      expect(dataOf(me)).toEqual({ role: 'member' });
    });

    it('answers SERVICE_UNAVAILABLE instead of hanging when the store is slower than storeTimeout', async () => {
      const app = await start({ session: { storeTimeout: 200 } });
      const cookie = await login(app);
      stores.counting.before.get = () => new Promise((resolve) => setTimeout(resolve, 3000));
      expect(errorCodes(await graphql(app, ME, { cookie }))).toEqual(['SERVICE_UNAVAILABLE']);
      stores.counting.clearHooks();
      expect((await graphql(app, '{ whoami }', { cookie })).data).toEqual({ whoami: 'alice' });
    });

    it('refuses a cross-site operation carrying the cookie with FORBIDDEN, before the store', async () => {
      const app = await start();
      const cookie = await login(app);
      stores.counting.reset();
      const crossSite = await graphql(app, 'mutation { remember(key: "a", value: "1") }', { cookie, headers: { Origin: 'https://evil.example' } });
      expect(errorCodes(crossSite)).toEqual(['FORBIDDEN']);
      const fetchMetadata = await graphql(app, ME, { cookie, headers: { 'Sec-Fetch-Site': 'cross-site' } });
      expect(errorCodes(fetchMetadata)).toEqual(['FORBIDDEN']);
      expect(stores.counting.calls.get).toBe(0);
      expect(writesOf(stores.counting.calls)).toBe(0);
      expect(dataOf(await graphql(app, ME, { cookie }))).toEqual({ role: 'member' });
    });

    it('carries the session in the token header for API clients', async () => {
      const app = await start({ session: { transport: 'header' } });
      const res = await graphql(app, LOGIN, {}, { user: 'bob' });
      expect(res.errors).toBeUndefined();
      expect(res.headers['set-cookie']).toBeUndefined();
      const token = res.headers['x-session-token'] as string;
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      const byHeader: Credentials = { token };
      expect((await graphql(app, '{ whoami }', byHeader)).data).toEqual({ whoami: 'bob' });
      expect(errorCodes(await graphql(app, '{ whoami }', { cookie: `sid=${token}` }))).toEqual(['UNAUTHENTICATED']);
      expect(errorCodes(await graphql(app, '{ whoami }', { token: `${token}x` }))).toEqual(['UNAUTHENTICATED']);
    });

    it('guards every resolver with SessionGuard as APP_GUARD, but @AllowAnonymous() ones', async () => {
      const app = await start({ appGuard: true });
      stores.counting.reset();
      expect(errorCodes(await graphql(app, '{ ping }'))).toEqual(['UNAUTHENTICATED']);
      expect((await graphql(app, '{ health }')).data).toEqual({ health: true });
      expect(stores.counting.calls.get).toBe(0);
      const cookie = await login(app, 'carol');
      stores.counting.reset();
      // The global guard and the resolver's own both run: still one read for the operation.
      const res = await graphql(app, '{ me { user } whoami ping }', { cookie });
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ me: { user: 'carol' }, whoami: 'carol', ping: true });
      expect(stores.counting.calls.get).toBe(1);
      expect(writesOf(stores.counting.calls)).toBe(0);
    });
  });
}
