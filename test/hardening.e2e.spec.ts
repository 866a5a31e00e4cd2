import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, type SessionModuleOptions } from '../src/index.js';
import { storeKeyOf } from '../src/token/session-token.js';
import { type CountingStore, countingStore } from './support/counting-store.js';
import { ADAPTERS, type AdapterName, type TestApp, cookiePair, createTestApp } from './support/test-app.js';

/** What the security review of the running module found, each shown at request level. */
describe.each(ADAPTERS)('hardening on %s', (adapter: AdapterName) => {
  let counting: CountingStore;
  const apps: TestApp[] = [];

  beforeAll(() => {
    counting = countingStore(new MemoryStore());
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    counting.clearHooks();
  });

  async function start(options: Partial<SessionModuleOptions> = {}): Promise<TestApp> {
    const app = await createTestApp(adapter, { store: counting.store, ...options });
    apps.push(app);
    return app;
  }

  async function login(app: TestApp, user = 'alice', name = 'sid'): Promise<string> {
    const res = await request(app.server as never).post('/login').send({ user });
    expect(res.status).toBe(200);
    return cookiePair(res.headers['set-cookie'], name) as string;
  }

  const me = (app: TestApp, cookie: string) => request(app.server as never).get('/me').set('Cookie', cookie);

  describe('duplicate session cookies', () => {
    it('names the cookie __Host-sid whenever it is Secure, and sid only for plain HTTP', async () => {
      const secure = await start({ cookie: {} });
      const res = await request(secure.server as never).post('/login').send({ user: 'alice' });
      expect(String(res.headers['set-cookie'])).toMatch(/^__Host-sid=[^;]+; .*Secure/);
      const plain = await start({ cookie: { secure: false } });
      expect(await login(plain)).toMatch(/^sid=/);
    });

    it('uses the cookie that verifies when a junk one with the same name comes first, and clears nothing', async () => {
      const app = await start();
      const alice = await login(app);
      const res = await me(app, `sid=junk; ${alice}`);
      expect(res.status).toBe(200);
      expect(res.body.user).toBe('alice');
      expect(res.headers['set-cookie']).toBeUndefined();
      expect((await me(app, `${alice}; sid=${'A'.repeat(43)}.${'B'.repeat(43)}`)).body.user).toBe('alice');
    });

    it("refuses two different valid cookies as ambiguous instead of reading the first one's session", async () => {
      const app = await start();
      const bob = await login(app, 'bob');
      const alice = await login(app, 'alice');
      const res = await me(app, `${bob}; ${alice}`);
      expect(res.status).toBe(401);
      expect((await me(app, `${alice}; ${alice}`)).body.user).toBe('alice');
    });
  });

  describe('cache headers', () => {
    it('marks every response to a request with a valid session private and no-store, varying on the cookie', async () => {
      const app = await start();
      const alice = await login(app);
      for (const path of ['/me', '/sessions']) {
        const res = await request(app.server as never).get(path).set('Cookie', alice);
        expect(res.status).toBe(200);
        expect(res.headers['cache-control']).toBe('private, no-store');
        expect(res.headers.vary).toMatch(/Cookie/);
      }
    });

    it("keeps the handler's own Cache-Control", async () => {
      const app = await start();
      const alice = await login(app);
      const res = await request(app.server as never).get('/public-profile').set('Cookie', alice);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=60');
    });

    it('varies on the token header with the header transport', async () => {
      const app = await start({ transport: 'header' });
      const login = await request(app.server as never).post('/login').send({ user: 'alice' });
      const token = login.headers['x-session-token'] as string;
      const res = await request(app.server as never).get('/me').set('x-session-token', token);
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect(res.headers.vary).toMatch(/x-session-token/i);
    });
  });

  describe('a request in flight during regenerate', () => {
    it('answers 401 without clearing the cookie that regenerate just sent', async () => {
      const app = await start();
      const old = await login(app);
      let release!: () => void;
      const regenerated = new Promise<void>((resolve) => {
        release = resolve;
      });
      counting.before.update = () => regenerated;
      const slow = request(app.server as never).put('/data/theme').set('Cookie', old).send({ value: 'dark' }).then((res) => res);
      // The slow write is waiting in the store when the same browser regenerates its session.
      await new Promise((resolve) => setTimeout(resolve, 50));
      delete counting.before.update;
      const renewed = await request(app.server as never).post('/regenerate').set('Cookie', old);
      expect(renewed.status).toBe(200);
      const fresh = cookiePair(renewed.headers['set-cookie']) as string;
      release();
      const late = await slow;
      expect(late.status).toBe(401);
      expect(late.headers['set-cookie']).toBeUndefined();
      // A request still carrying the old cookie after the regenerate does not clear it either.
      const stale = await me(app, old);
      expect(stale.status).toBe(401);
      expect(stale.headers['set-cookie']).toBeUndefined();
      expect((await me(app, fresh)).status).toBe(200);
    });
  });

  describe('request forgery', () => {
    const revokeOthers = (app: TestApp, cookie: string, headers: Record<string, string>) =>
      request(app.server as never).post('/sessions/revoke-others').set('Cookie', cookie).set(headers);

    it('refuses unsafe requests a browser marks cross-site, or from another origin, with 403 and no change', async () => {
      const app = await start();
      const alice = await login(app);
      const other = await login(app);
      const forged: Record<string, string>[] = [
        { 'Sec-Fetch-Site': 'cross-site' },
        { Origin: 'http://evil.example' },
        { Origin: 'null' },
        { Origin: 'http://evil.example', 'Content-Type': 'text/plain' },
      ];
      for (const headers of forged) {
        const res = await revokeOthers(app, alice, headers);
        expect(res.status, JSON.stringify(headers)).toBe(403);
        expect(res.body.message).toMatch(/Cross-(site|origin) request refused/);
      }
      expect((await me(app, other)).status).toBe(200);
      const logout = await request(app.server as never).post('/logout').set('Cookie', other).set('Origin', 'http://evil.example');
      expect(logout.status).toBe(403);
      expect((await me(app, other)).status).toBe(200);
    });

    it('refuses a cross-site login and a cross-site write on an unguarded route', async () => {
      const app = await start();
      const loginCsrf = await request(app.server as never).post('/login').set('Sec-Fetch-Site', 'cross-site').send({ user: 'mallory' });
      expect(loginCsrf.status).toBe(403);
      expect(loginCsrf.headers['set-cookie']).toBeUndefined();
      const visit = await request(app.server as never).post('/visit').set('Origin', 'http://evil.example');
      expect(visit.status).toBe(403);
    });

    it('lets same-origin, allowed-origin and non-browser requests through, and reads pass', async () => {
      const app = await start({ csrf: { allowedOrigins: ['https://app.example.com'] } });
      const alice = await login(app);
      const sameOrigin = { Host: 'app.test:8080', Origin: 'http://app.test:8080', 'Sec-Fetch-Site': 'same-origin' };
      expect((await revokeOthers(app, alice, sameOrigin)).status).toBe(200);
      expect((await revokeOthers(app, alice, { Origin: 'https://app.example.com', 'Sec-Fetch-Site': 'same-site' })).status).toBe(200);
      expect((await revokeOthers(app, alice, {})).status).toBe(200);
      const read = await request(app.server as never).get('/me').set('Cookie', alice).set('Sec-Fetch-Site', 'cross-site');
      expect(read.status).toBe(200);
    });

    it('can be turned off, and never applies to a token sent in the header', async () => {
      const off = await start({ csrf: false });
      expect((await revokeOthers(off, await login(off), { Origin: 'http://evil.example' })).status).toBe(200);
      const api = await start({ transport: 'header' });
      const token = (await request(api.server as never).post('/login').send({ user: 'alice' })).headers['x-session-token'] as string;
      const res = await request(api.server as never)
        .post('/sessions/revoke-others')
        .set('x-session-token', token)
        .set('Origin', 'http://evil.example');
      expect(res.status).toBe(200);
    });
  });

  describe("transport 'both'", () => {
    it('sends a browser login only the HttpOnly cookie, never a header page scripts can read', async () => {
      const app = await start({ transport: 'both' });
      const res = await request(app.server as never).post('/login').send({ user: 'alice' });
      expect(cookiePair(res.headers['set-cookie'])).toBeDefined();
      expect(res.headers['x-session-token']).toBeUndefined();
    });

    it('sends the header token to a client that asks for it, or that sent its own in the header', async () => {
      const app = await start({ transport: 'both' });
      const asked = await request(app.server as never).post('/login').set('x-session-token-request', '1').send({ user: 'alice' });
      const token = asked.headers['x-session-token'] as string;
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      expect(asked.headers['set-cookie']).toBeUndefined();
      const again = await request(app.server as never).post('/regenerate').set('x-session-token', token);
      expect(again.headers['x-session-token']).toMatch(/^[A-Za-z0-9_-]{43}\./);
      expect(again.headers['set-cookie']).toBeUndefined();
      expect(await counting.store.get(storeKeyOf(token.slice(0, 43)))).toBeNull();
    });
  });
});
