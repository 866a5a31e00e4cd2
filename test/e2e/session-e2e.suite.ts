import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SessionDataTooLargeError, type SessionModuleOptions, type SessionStore } from '../../src/index.js';
import { signSessionId, storeKeyOf, verifySessionToken } from '../../src/token/session-token.js';
import { type CountingStore, countingStore, writesOf } from '../support/counting-store.js';
import { ADAPTERS, type AdapterName, OLD_SECRET, SECRET, type TestApp, cookiePair, createTestApp } from '../support/test-app.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface E2ETarget {
  store: SessionStore;
  close(): Promise<void>;
}

/**
 * The whole request-level behaviour of the module, on Express and on Fastify, against one store.
 * Every store's e2e spec calls this; nothing here knows which store runs.
 */
export function describeSessionE2E(name: string, open: () => Promise<E2ETarget>): void {
  describe.each(ADAPTERS)(`sessions on %s with the ${name} store`, (adapter: AdapterName) => {
    let target: E2ETarget;
    let counting: CountingStore;
    const apps: TestApp[] = [];

    beforeAll(async () => {
      target = await open();
      counting = countingStore(target.store);
    });
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      counting.reset();
      counting.clearHooks();
    });
    afterAll(async () => {
      await target.close();
    });

    async function start(options: Partial<SessionModuleOptions> = {}): Promise<TestApp> {
      const app = await createTestApp(adapter, { store: counting.store, ...options });
      apps.push(app);
      return app;
    }

    async function login(app: TestApp, user = 'alice', cookie?: string): Promise<string> {
      const req = request(app.server as never).post('/login').send({ user });
      const res = await (cookie ? req.set('Cookie', cookie) : req);
      expect(res.status).toBe(200);
      const pair = cookiePair(res.headers['set-cookie']);
      expect(pair).toBeDefined();
      return pair as string;
    }

    const get = (app: TestApp, path: string, cookie?: string) => {
      const req = request(app.server as never).get(path);
      return cookie ? req.set('Cookie', cookie) : req;
    };

    /** Uses the session every `every` minutes of the module's clock, expecting it to stay valid throughout. */
    async function keepUsing(app: TestApp, cookie: string, minutes: number, every = 5): Promise<void> {
      for (let t = 0; t < minutes; t += every) {
        app.advance(every * MINUTE);
        expect((await get(app, '/me', cookie)).status).toBe(200);
      }
    }

    it('logs in with a signed, HttpOnly, SameSite cookie and serves the session back', async () => {
      const app = await start();
      const res = await request(app.server as never).post('/login').send({ user: 'alice' });
      const setCookie = res.headers['set-cookie'] as unknown as string[];
      expect(setCookie).toHaveLength(1);
      const [pair, ...attributes] = (setCookie[0] as string).split('; ');
      expect(pair).toMatch(/^sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      expect(attributes.sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Lax']);
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect(res.headers.vary).toMatch(/Cookie/);
      const me = await get(app, '/me', cookiePair(setCookie));
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ user: 'alice', data: { role: 'member' } });
      expect((await get(app, '/role', cookiePair(setCookie))).body).toEqual({ role: 'member' });
    });

    it('marks the cookie Secure by default and sets the configured attributes', async () => {
      const app = await start({ cookie: { name: '__Host-session', sameSite: 'strict', persistent: true }, absoluteTimeout: 2 * HOUR });
      const res = await request(app.server as never).post('/login').send({ user: 'alice' });
      const [cookie] = res.headers['set-cookie'] as unknown as string[];
      const [pair, ...attributes] = (cookie as string).split('; ');
      expect(pair).toMatch(/^__Host-session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      expect(attributes.sort()).toEqual(['HttpOnly', 'Max-Age=7200', 'Path=/', 'SameSite=Strict', 'Secure']);
    });

    it('refuses a request without a session with 401 and no store access', async () => {
      const app = await start();
      const res = await get(app, '/me');
      expect(res.status).toBe(401);
      expect(counting.calls.get).toBe(0);
    });

    it('costs exactly one store read and no write for a valid unchanged session', async () => {
      const app = await start();
      const cookie = await login(app);
      counting.reset();
      for (let i = 0; i < 5; i++) expect((await get(app, '/me', cookie)).status).toBe(200);
      expect(counting.calls.get).toBe(5);
      expect(writesOf(counting.calls)).toBe(0);
    });

    it('refuses forged, tampered, unsigned, malformed and oversized cookies without touching the store', async () => {
      const app = await start();
      const cookie = await login(app);
      const value = cookie.slice('sid='.length);
      const [id, sig] = value.split('.') as [string, string];
      const otherId = 'A'.repeat(43);
      const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
      const bad = [
        `${id}.${flip(sig)}`,
        `${flip(id)}.${sig}`,
        id,
        `${id}.`,
        `${otherId}.${sig}`,
        signSessionId(id, 'another-secret-that-is-long-enough-000000'),
        `${value}x`,
        'x'.repeat(5000),
        '%E0%A4%A',
        `${id}.${sig.slice(0, 42)}B`,
        '',
      ];
      counting.reset();
      for (const forged of bad) {
        const res = await get(app, '/me', `sid=${forged}`);
        expect(res.status, forged).toBe(401);
      }
      expect(counting.calls.get).toBe(0);
      expect((await get(app, '/me', cookie)).status).toBe(200);
    });

    it('refreshes the idle deadline only once touchInterval has passed', async () => {
      const app = await start({ touchInterval: MINUTE });
      const cookie = await login(app);
      counting.reset();
      app.advance(MINUTE - 1000);
      await get(app, '/me', cookie);
      expect(counting.calls.update).toBe(0);
      app.advance(2000);
      await get(app, '/me', cookie);
      expect(counting.calls.update).toBe(1);
      await get(app, '/me', cookie);
      expect(counting.calls.update).toBe(1);
    });

    it('ends a session after the idle timeout, from stored timestamps', async () => {
      const app = await start({ idleTimeout: 10 * MINUTE, touchInterval: MINUTE });
      const cookie = await login(app);
      app.advance(9 * MINUTE);
      expect((await get(app, '/me', cookie)).status).toBe(200);
      app.advance(9 * MINUTE);
      expect((await get(app, '/me', cookie)).status).toBe(200);
      app.advance(10 * MINUTE);
      const res = await get(app, '/me', cookie);
      expect(res.status).toBe(401);
      // A signed token that opens no session is not cleared: it may be racing a regenerate.
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('ends a session without a user after 5 idle minutes, a signed-in one after 30', async () => {
      const app = await start();
      const visit = await request(app.server as never).post('/visit');
      const anonymous = cookiePair(visit.headers['set-cookie']) as string;
      app.advance(4 * MINUTE);
      expect((await get(app, '/me', anonymous)).status).toBe(200);
      app.advance(6 * MINUTE);
      expect((await get(app, '/me', anonymous)).status).toBe(401);
      const again = cookiePair((await request(app.server as never).post('/visit')).headers['set-cookie']) as string;
      const cookie = await login(app, 'alice', again);
      app.advance(25 * MINUTE);
      expect((await get(app, '/me', cookie)).status).toBe(200);
    });

    it('ends an active session at the absolute timeout', async () => {
      const app = await start({ idleTimeout: 10 * MINUTE, absoluteTimeout: HOUR, touchInterval: MINUTE });
      const cookie = await login(app);
      await keepUsing(app, cookie, 55);
      app.advance(5 * MINUTE);
      expect((await get(app, '/me', cookie)).status).toBe(401);
    });

    it('regenerates with a new ID, the old one dead, and a new lifetime only for a new user', async () => {
      const app = await start({ idleTimeout: 10 * MINUTE, absoluteTimeout: HOUR, touchInterval: MINUTE });
      const cookie = await login(app);
      await keepUsing(app, cookie, 50);
      const regenerated = await request(app.server as never).post('/regenerate').set('Cookie', cookie);
      expect(regenerated.status).toBe(200);
      const fresh = cookiePair(regenerated.headers['set-cookie']) as string;
      expect(fresh).not.toBe(cookie);
      expect((await get(app, '/me', cookie)).status).toBe(401);
      app.advance(9 * MINUTE);
      expect((await get(app, '/me', fresh)).status).toBe(200);
      // Signing in as someone else over the live session is a new login with its own lifetime.
      const bob = await login(app, 'bob', fresh);
      app.advance(2 * MINUTE);
      expect((await get(app, '/me', fresh)).status).toBe(401);
      await keepUsing(app, bob, 20);
      expect((await get(app, '/me', bob)).body.user).toBe('bob');
    });

    it('ends a regenerated session at the absolute deadline of its login', async () => {
      const app = await start({ idleTimeout: 10 * MINUTE, absoluteTimeout: HOUR, touchInterval: MINUTE });
      const cookie = await login(app);
      await keepUsing(app, cookie, 50);
      const regenerated = await request(app.server as never).post('/regenerate').set('Cookie', cookie);
      const fresh = cookiePair(regenerated.headers['set-cookie']) as string;
      app.advance(9 * MINUTE);
      expect((await get(app, '/me', fresh)).status).toBe(200);
      app.advance(2 * MINUTE);
      expect((await get(app, '/me', fresh)).status).toBe(401);
    });

    it('logs out: deletes the session on the server and clears the cookie', async () => {
      const app = await start();
      const cookie = await login(app);
      const res = await request(app.server as never).post('/logout').set('Cookie', cookie);
      expect(res.status).toBe(204);
      expect(String(res.headers['set-cookie'])).toMatch(/^sid=; .*(Max-Age=0|Expires=Thu, 01 Jan 1970)/);
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect((await get(app, '/me', cookie)).status).toBe(401);
      const id = cookie.slice(4, 47);
      expect(await target.store.get(storeKeyOf(id))).toBeNull();
    });

    it('regenerates at login: new ID, data kept, old ID dead', async () => {
      const app = await start();
      const visit = await request(app.server as never).post('/visit');
      const anonymous = cookiePair(visit.headers['set-cookie']) as string;
      expect(anonymous).toBeDefined();
      const cookie = await login(app, 'alice', anonymous);
      expect(cookie).not.toBe(anonymous);
      expect((await get(app, '/me', anonymous)).status).toBe(401);
      expect((await get(app, '/me', cookie)).body).toEqual({ user: 'alice', data: { visited: true, role: 'member' } });
    });

    it("starts another user's login from empty data, never with the previous user's keys", async () => {
      const app = await start();
      const bob = await login(app, 'bob');
      await request(app.server as never).put('/data/bobsSecret').set('Cookie', bob).send({ value: 'hunter2' });
      const alice = await login(app, 'alice', bob);
      expect((await get(app, '/me', alice)).body).toEqual({ user: 'alice', data: { role: 'member' } });
    });

    it('drops what an anonymous session held when the login asks for keepData: false', async () => {
      const app = await start();
      const visit = await request(app.server as never).post('/visit');
      const planted = cookiePair(visit.headers['set-cookie']) as string;
      await request(app.server as never).put('/data/mfaVerified').set('Cookie', planted).send({ value: true });
      const res = await request(app.server as never).post('/login').set('Cookie', planted).send({ user: 'alice', keepData: false });
      const cookie = cookiePair(res.headers['set-cookie']) as string;
      expect((await get(app, '/me', cookie)).body).toEqual({ user: 'alice', data: { role: 'member' } });
    });

    it('logs in over a garbage cookie without reading the store for it', async () => {
      const app = await start();
      counting.reset();
      const res = await request(app.server as never).post('/login').send({}).set('Cookie', 'sid=garbage');
      expect(res.status).toBe(200);
      expect(counting.calls.get).toBe(0);
    });

    it('accepts a cookie signed with an older secret and re-signs it with the current one', async () => {
      const before = await start({ secrets: [OLD_SECRET] });
      const oldCookie = await login(before);
      const rotated = await start({ secrets: [SECRET, OLD_SECRET] });
      const res = await get(rotated, '/me', oldCookie);
      expect(res.status).toBe(200);
      const fresh = cookiePair(res.headers['set-cookie']) as string;
      expect(fresh).toBeDefined();
      expect(fresh.slice(4, 47)).toBe(oldCookie.slice(4, 47));
      expect(verifySessionToken(fresh.slice(4), [SECRET])).toEqual({ id: oldCookie.slice(4, 47), stale: false });
      const after = await start({ secrets: [SECRET] });
      expect((await get(after, '/me', fresh)).status).toBe(200);
      expect((await get(after, '/me', oldCookie)).status).toBe(401);
    });

    it('carries the session in a header for API clients', async () => {
      const app = await start({ transport: 'header', headerName: 'X-Session' });
      const res = await request(app.server as never).post('/login').send({ user: 'bob' });
      expect(res.headers['set-cookie']).toBeUndefined();
      const token = res.headers['x-session'] as string;
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      expect(res.headers.vary).toMatch(/x-session/i);
      expect((await get(app, '/me').set('X-Session', token)).body.user).toBe('bob');
      expect((await get(app, '/me', `sid=${token}`)).status).toBe(401);
      expect((await get(app, '/me').set('X-Session', `${token}x`)).status).toBe(401);
    });

    it('reads the header before the cookie when both transports are on', async () => {
      const app = await start({ transport: 'both' });
      const cookie = await login(app, 'carol');
      const token = cookie.slice(4);
      expect((await get(app, '/me').set('x-session-token', token)).body.user).toBe('carol');
      expect((await get(app, '/me', cookie)).body.user).toBe('carol');
      expect((await get(app, '/me', cookie).set('x-session-token', 'forged')).status).toBe(401);
    });

    it('keeps every key when concurrent requests change different keys', async () => {
      const app = await start();
      const cookie = await login(app);
      const writes = Array.from({ length: 20 }, (_, i) =>
        request(app.server as never).put(`/data/k${i}`).set('Cookie', cookie).send({ value: i }),
      );
      for (const res of await Promise.all(writes)) expect(res.status).toBe(200);
      const { data } = (await get(app, '/me', cookie)).body as { data: Record<string, unknown> };
      for (let i = 0; i < 20; i++) expect(data[`k${i}`]).toBe(i);
      expect(data.role).toBe('member');
    });

    it('writes only the keys that changed', async () => {
      const app = await start();
      const cookie = await login(app);
      await request(app.server as never).put('/data/a').set('Cookie', cookie).send({ value: 1 });
      await request(app.server as never).delete('/data/role').set('Cookie', cookie);
      expect((await get(app, '/me', cookie)).body.data).toEqual({ a: 1 });
    });

    it('does not bring back a session destroyed while a request was changing it', async () => {
      const app = await start();
      const cookie = await login(app);
      const key = storeKeyOf(cookie.slice(4, 47));
      counting.before.update = async () => {
        await target.store.delete(key);
      };
      const res = await request(app.server as never).put('/data/late').set('Cookie', cookie).send({ value: 1 });
      expect(res.status).toBe(401);
      expect(await target.store.get(key)).toBeNull();
      counting.clearHooks();
      expect((await get(app, '/me', cookie)).status).toBe(401);
    });

    it('refuses non-JSON, prototype keys and oversized data with a 4xx and writes nothing', async () => {
      const app = await start({ maxSize: 1024 });
      const cookie = await login(app);
      counting.reset();
      const proto = await request(app.server as never).put('/data/__proto__').set('Cookie', cookie).send({ value: 1 });
      expect(proto.status).toBe(400);
      const nested = await request(app.server as never)
        .put('/data/x')
        .set('Cookie', cookie)
        .set('Content-Type', 'application/json')
        .send('{"value":{"constructor":{"prototype":{"polluted":true}}}}');
      expect(nested.status).toBe(400);
      const big = await request(app.server as never).put('/data/big').set('Cookie', cookie).send({ value: 'x'.repeat(2000) });
      expect(big.status).toBe(413);
      expect(writesOf(counting.calls)).toBe(0);
      expect((await get(app, '/me', cookie)).body.data).toEqual({ role: 'member' });
    });

    it('keeps a session without a user alive while in use, even when touchInterval is longer than its idle timeout', async () => {
      const app = await start({ touchInterval: 10 * MINUTE });
      const visit = await request(app.server as never).post('/visit');
      await keepUsing(app, cookiePair(visit.headers['set-cookie']) as string, 20, 2);
    });

    it('holds a session without a user to 4 KiB of data, and to maxSize once signed in', async () => {
      const app = await start();
      const visit = await request(app.server as never).post('/visit');
      const anonymous = cookiePair(visit.headers['set-cookie']) as string;
      const put = (cookie: string) =>
        request(app.server as never).put('/data/notes').set('Cookie', cookie).send({ value: 'x'.repeat(5000) });
      expect((await put(anonymous)).status).toBe(413);
      const cookie = await login(app, 'alice', anonymous);
      expect((await put(cookie)).status).toBe(200);
    });

    it('refuses a value nested thousands of levels deep with a 400, writes nothing and keeps serving', async () => {
      const app = await start();
      const cookie = await login(app);
      counting.reset();
      const res = await request(app.server as never)
        .put('/data/deep')
        .set('Cookie', cookie)
        .set('Content-Type', 'application/json')
        .send(`{"value":${'['.repeat(8000)}${']'.repeat(8000)}}`);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/nests deeper than/);
      expect(writesOf(counting.calls)).toBe(0);
      expect((await get(app, '/me', cookie)).body.data).toEqual({ role: 'member' });
    });

    it("lists the user's sessions, revokes one and signs out everywhere else", async () => {
      const app = await start();
      const user = `dave-${adapter}-${Date.now()}`;
      const phone = await login(app, user);
      const laptop = await login(app, user);
      const tablet = await login(app, user);
      const list = (await get(app, '/sessions', laptop)).body as Array<{ handle: string; current: boolean }>;
      expect(list).toHaveLength(3);
      expect(list.filter((s) => s.current)).toHaveLength(1);
      const phoneHandle = storeKeyOf(phone.slice(4, 47));
      expect((await request(app.server as never).delete(`/sessions/${phoneHandle}`).set('Cookie', laptop)).body).toEqual({ revoked: true });
      expect((await get(app, '/me', phone)).status).toBe(401);
      const others = await request(app.server as never).post('/sessions/revoke-others').set('Cookie', laptop);
      expect(others.body).toEqual({ revoked: 1 });
      expect((await get(app, '/me', tablet)).status).toBe(401);
      expect((await get(app, '/me', laptop)).status).toBe(200);
      const stranger = await login(app, `eve-${Date.now()}`);
      expect((await request(app.server as never).delete(`/sessions/${storeKeyOf(laptop.slice(4, 47))}`).set('Cookie', stranger)).body).toEqual({ revoked: false });
      expect((await get(app, '/me', laptop)).status).toBe(200);
    });

    it('shows the browser and address that started each session only when captureClient is on', async () => {
      const agent = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36';
      const on = await start({ captureClient: true });
      const res = await request(on.server as never).post('/login').set('User-Agent', agent).send({ user: `gina-${adapter}` });
      const cookie = cookiePair(res.headers['set-cookie']) as string;
      const [info] = (await get(on, '/sessions', cookie).set('User-Agent', 'another browser')).body as Array<Record<string, unknown>>;
      expect(info).toMatchObject({ userAgent: agent, ip: expect.stringMatching(/127\.0\.0\.1/), current: true });
      const off = await start();
      const plain = await request(off.server as never).post('/login').set('User-Agent', agent).send({ user: `hal-${adapter}` });
      const [bare] = (await get(off, '/sessions', cookiePair(plain.headers['set-cookie']))).body as Array<Record<string, unknown>>;
      expect(bare).not.toHaveProperty('userAgent');
      expect(bare).not.toHaveProperty('ip');
    });

    it("revokes all of a user's sessions from SessionService", async () => {
      const app = await start();
      const user = `frank-${adapter}-${Date.now()}`;
      const a = await login(app, user);
      const b = await login(app, user);
      const res = await request(app.server as never).post(`/admin/revoke-all/${user}`);
      expect(res.body).toEqual({ revoked: 2 });
      expect((await get(app, '/me', a)).status).toBe(401);
      expect((await get(app, '/me', b)).status).toBe(401);
    });

    it('starts a session on an unguarded route', async () => {
      const app = await start();
      const res = await request(app.server as never).post('/visit');
      const cookie = cookiePair(res.headers['set-cookie']) as string;
      expect((await get(app, '/me', cookie)).body.data).toEqual({ visited: true });
      expect((await get(app, '/open')).headers['set-cookie']).toBeUndefined();
    });

    it('has stored the login by the time the response arrives', async () => {
      const app = await start();
      const cookie = await login(app);
      const stored = await target.store.get(storeKeyOf(cookie.slice(4, 47)));
      expect(stored?.userId).toBe('alice');
    });

    it('answers 503 with Retry-After when the store fails, and recovers', async () => {
      const app = await start({ retryAfter: 7 });
      const cookie = await login(app);
      counting.before.get = () => {
        throw new Error('connection refused');
      };
      const res = await get(app, '/me', cookie);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('7');
      counting.clearHooks();
      expect((await get(app, '/me', cookie)).status).toBe(200);
    });

    it("passes a store's own refusal through as its 4xx, not as an outage", async () => {
      const app = await start();
      const cookie = await login(app);
      counting.before.update = () => {
        throw new SessionDataTooLargeError(500_000, 400_000);
      };
      const res = await request(app.server as never).put('/data/a').set('Cookie', cookie).send({ value: 1 });
      expect(res.status).toBe(413);
      expect(res.headers['retry-after']).toBeUndefined();
    });

    it('answers 503 instead of hanging when the store is slower than storeTimeout', async () => {
      const app = await start({ storeTimeout: 200 });
      const cookie = await login(app);
      counting.before.get = () => new Promise((resolve) => setTimeout(resolve, 5000));
      const res = await get(app, '/me', cookie);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      counting.before.update = () => new Promise((resolve) => setTimeout(resolve, 5000));
      delete counting.before.get;
      const write = await request(app.server as never).put('/data/a').set('Cookie', cookie).send({ value: 1 });
      expect(write.status).toBe(503);
      expect(write.headers['retry-after']).toBeDefined();
    });
  });
}
