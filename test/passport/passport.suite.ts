import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionModuleOptions, SessionStore, SessionUpdate } from '../../src/index.js';
import { signSessionId, storeKeyOf } from '../../src/token/session-token.js';
import { writesOf } from '../support/counting-store.js';
import { type StoreTarget, useCountedStore } from '../support/store-target.js';
import { ADAPTERS, type AdapterName, cookiePair } from '../support/test-app.js';
import { type PassportApp, startPassportApp } from './passport-app.js';

/** The store key of the session a `sid=<id>.<signature>` cookie names. */
const keyOf = (cookie: string) => storeKeyOf(cookie.slice('sid='.length).split('.')[0] as string);

/**
 * passport, @nestjs/passport and csrf-sync on `req.session` with `expressCompatible`, on Express,
 * against one store. Store calls are counted: what each request costs is part of what is shown.
 */
export function describePassport(name: string, open: () => Promise<StoreTarget>): void {
  describe.each(ADAPTERS)(`passport on req.session on %s with the ${name} store`, (adapter: AdapterName) => {
    const apps: PassportApp[] = [];
    const stored = useCountedStore(open, async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
    });
    const updates: SessionUpdate[] = [];
    afterEach(() => {
      updates.length = 0;
    });

    async function start(options: Partial<SessionModuleOptions> = {}): Promise<PassportApp> {
      const counted = stored.counting.store;
      // Records what each update writes, to show it carries only the keys that changed.
      const store: SessionStore = {
        ...counted,
        update: (key, update, now) => {
          updates.push(update);
          return counted.update(key, update, now);
        },
      };
      const app = await startPassportApp({ store, ...options }, adapter);
      apps.push(app);
      return app;
    }

    const calls = () => ({ ...stored.counting.calls });
    const reset = () => stored.counting.reset();
    const raw = (key: string) => stored.target.store.get(key);

    async function login(app: PassportApp, username = 'alice', cookie?: string): Promise<string> {
      const req = request(app.server as never).post('/login').send({ username, password: `${username}-password` });
      const res = await (cookie ? req.set('Cookie', cookie) : req);
      expect(res.status).toBe(200);
      const pair = cookiePair(res.headers['set-cookie']);
      expect(pair).toBeDefined();
      return pair as string;
    }

    const get = (app: PassportApp, path: string, cookie?: string) => {
      const req = request(app.server as never).get(path);
      return cookie ? req.set('Cookie', cookie) : req;
    };

    it('logs in with AuthGuard("local"): a new session, the old one dead, the user indexed', async () => {
      const app = await start();
      // An anonymous session first (a form's CSRF token), as a browser has before it signs in.
      const form = await get(app, '/form');
      const before = cookiePair(form.headers['set-cookie']) as string;
      expect(before).toBeDefined();
      reset();

      const after = await login(app, 'alice', before);
      expect(after).not.toBe(before);
      // One read by the middleware, passport's regenerate deletes the old session, its save creates the new one.
      expect(calls()).toMatchObject({ get: 1, delete: 1, create: 1, update: 0 });
      expect(await raw(keyOf(before))).toBeNull();
      expect(await raw(keyOf(after))).toMatchObject({ userId: 'alice', data: { passport: { user: 'alice' } } });

      reset();
      const me = await get(app, '/me', after);
      expect(me.status).toBe(200);
      // passport.session() gave req.user; SessionGuard sees the same session and its user.
      expect(me.body).toMatchObject({ user: 'alice', sessionUser: 'alice' });
      expect(me.body.sessionID).toBe(me.body.handle);
      // The middleware's read serves SessionGuard too: one read for the whole request.
      expect(calls()).toMatchObject({ get: 1, create: 0, update: 0, delete: 0 });

      expect((await get(app, '/me', before)).status).toBe(401);
      const listed = (await get(app, '/sessions/alice')).body as Array<{ handle: string; userId: string }>;
      expect(listed).toContainEqual(expect.objectContaining({ handle: keyOf(after), userId: 'alice' }));
      expect(listed.map(({ handle }) => handle)).not.toContain(keyOf(before));
    });

    it('logs out with req.logout(): the session is gone from the store and the cookie cleared', async () => {
      const app = await start();
      const cookie = await login(app, 'bob');
      reset();
      const res = await request(app.server as never).post('/logout').set('Cookie', cookie);
      expect(res.status).toBe(204);
      expect(String(res.headers['set-cookie'])).toMatch(/^sid=;.*Expires=Thu, 01 Jan 1970/);
      // passport saves the session without its user, then regenerates it: the old one is deleted,
      // and the new one, empty, is never stored.
      expect(calls()).toMatchObject({ get: 1, update: 1, delete: 1, create: 0 });
      expect(await raw(keyOf(cookie))).toBeNull();
      expect((await get(app, '/me', cookie)).status).toBe(401);
      const listed = (await get(app, '/sessions/bob')).body as Array<{ handle: string }>;
      expect(listed.map(({ handle }) => handle)).not.toContain(keyOf(cookie));
    });

    it('runs a SessionGuard subclass check on a session the middleware loaded', async () => {
      const app = await start();
      expect((await get(app, '/admin', await login(app, 'alice'))).status).toBe(200);
      expect((await get(app, '/admin', await login(app, 'bob'))).status).toBe(403);
    });

    it('persists direct writes to req.session as a delta of the changed keys', async () => {
      const app = await start();
      const cookie = await login(app);
      reset();
      const put = await request(app.server as never).put('/prefs').set('Cookie', cookie).send({ theme: 'dark' });
      expect(put.status).toBe(200);
      expect(calls()).toMatchObject({ get: 1, update: 1, create: 0, delete: 0 });
      expect(updates.at(-1)).toMatchObject({ set: { prefs: { theme: 'dark' } }, unset: [] });
      expect(updates.at(-1)).not.toHaveProperty('userId');

      // Nested mutations, found when the session is written.
      for (const item of ['apple', 'pear']) {
        await request(app.server as never).post('/cart').set('Cookie', cookie).send({ item });
      }
      expect(updates.at(-1)?.set).toEqual({ cart: { items: ['apple', 'pear'] } });
      expect((await raw(keyOf(cookie)))?.data).toEqual({
        passport: { user: 'alice' },
        prefs: { theme: 'dark' },
        cart: { items: ['apple', 'pear'] },
      });

      // Reading writes nothing; setting a key to undefined removes it.
      reset();
      expect((await get(app, '/open', cookie)).body).toEqual({ prefs: { theme: 'dark' } });
      expect(writesOf(calls())).toBe(0);
      await request(app.server as never).put('/raw/undefined').set('Cookie', cookie);
      expect(updates.at(-1)).toMatchObject({ set: {}, unset: ['prefs'] });
      await request(app.server as never).put('/raw/delete').set('Cookie', cookie);
      expect(updates.at(-1)).toMatchObject({ set: {}, unset: ['cart'] });
      expect((await raw(keyOf(cookie)))?.data).toEqual({ passport: { user: 'alice' } });
    });

    it('starts a session for a visitor from a write in a plain route', async () => {
      const app = await start();
      const res = await request(app.server as never).put('/prefs').send({ theme: 'light' });
      const cookie = cookiePair(res.headers['set-cookie']) as string;
      expect(cookie).toBeDefined();
      expect(await raw(keyOf(cookie))).toMatchObject({ userId: null, data: { prefs: { theme: 'light' } } });
    });

    it('refuses bad values written through the view with 400 (413 past maxSize) and writes nothing', async () => {
      const app = await start();
      const cookie = await login(app);
      reset();
      for (const kind of ['date', 'function', 'proto']) {
        const res = await request(app.server as never).put(`/raw/${kind}`).set('Cookie', cookie);
        expect(res.status, kind).toBe(400);
      }
      expect((await request(app.server as never).put('/raw/large').set('Cookie', cookie)).status).toBe(413);
      expect(writesOf(calls())).toBe(0);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });

    it('costs no store access for a forged cookie, and refuses it on guarded routes', async () => {
      const app = await start();
      const forged = `sid=${signSessionId(randomBytes(32).toString('base64url'), 'not-our-secret-0123456789-abcdefghij')}`;
      reset();
      expect((await get(app, '/open', forged)).status).toBe(200);
      const me = await get(app, '/me', forged);
      expect(me.status).toBe(401);
      expect(String(me.headers['set-cookie'])).toMatch(/^sid=;/);
      expect(calls()).toMatchObject({ get: 0, create: 0, update: 0, delete: 0 });
    });

    it('refuses cross-site unsafe requests before the store is read', async () => {
      const app = await start();
      const cookie = await login(app);
      reset();
      const crossSite = (path: string) =>
        request(app.server as never)
          .post(path)
          .set('Cookie', cookie)
          .set('Sec-Fetch-Site', 'cross-site')
          .send({ username: 'bob', password: 'bob-password', item: 'x' });
      // Login CSRF, logout CSRF, and a write through req.session in a plain route.
      for (const path of ['/login', '/logout', '/cart']) expect((await crossSite(path)).status, path).toBe(403);
      expect(calls()).toMatchObject({ get: 0, create: 0, update: 0, delete: 0 });
      expect((await get(app, '/me', cookie)).body).toMatchObject({ user: 'alice' });
    });

    it('protects a form with csrf-sync tokens kept in the session', async () => {
      const app = await start();
      const form = await get(app, '/form');
      const cookie = cookiePair(form.headers['set-cookie']) as string;
      const token = form.body.csrfToken as string;
      expect(token).toMatch(/^[0-9a-f]{256}$/);
      const post = (body: string) =>
        request(app.server as never).post('/form').set('Cookie', cookie).type('form').send(body);
      expect((await post('message=hello')).status).toBe(403);
      expect((await post(`message=hello&_csrf=${'0'.repeat(256)}`)).status).toBe(403);
      const ok = await post(`message=hello&_csrf=${token}`);
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ received: 'hello' });
      // The same token after sign-in is refused: passport regenerated the session, token and all.
      const signedIn = await login(app, 'alice', cookie);
      const stale = await request(app.server as never)
        .post('/form')
        .set('Cookie', signedIn)
        .type('form')
        .send(`message=hello&_csrf=${token}`);
      expect(stale.status).toBe(403);
    });

    it('save(cb) writes at once; reload(cb) reads the stored session again; destroy(cb) ends it', async () => {
      const app = await start();
      const cookie = await login(app);
      reset();
      expect((await request(app.server as never).post('/save').set('Cookie', cookie)).body).toEqual({ saved: true });
      // save wrote; the interceptor had nothing left to write.
      expect(calls()).toMatchObject({ get: 1, update: 1 });
      expect((await raw(keyOf(cookie)))?.data).toMatchObject({ saved: true });

      const reloaded = await request(app.server as never).post('/reload').set('Cookie', cookie);
      expect(reloaded.body).toEqual({ prefs: null });
      expect((await raw(keyOf(cookie)))?.data).not.toHaveProperty('prefs');

      reset();
      const destroyed = await request(app.server as never).post('/destroy').set('Cookie', cookie);
      expect(destroyed.status).toBe(204);
      expect(String(destroyed.headers['set-cookie'])).toMatch(/^sid=;/);
      expect(calls()).toMatchObject({ get: 1, delete: 1, create: 0, update: 0 });
      expect(await raw(keyOf(cookie))).toBeNull();
    });

    it('says req.session.cookie is not supported rather than ignoring it', async () => {
      const app = await start();
      expect((await get(app, '/cookie')).status).toBe(500);
    });

    it('moves a session whose passport user changes without regenerate to a new ID', async () => {
      const app = await start();
      const alice = await login(app, 'alice');
      const res = await request(app.server as never).put('/impersonate/bob').set('Cookie', alice);
      const bob = cookiePair(res.headers['set-cookie']) as string;
      expect(bob).toBeDefined();
      expect(bob).not.toBe(alice);
      expect(await raw(keyOf(alice))).toBeNull();
      const handles = async (user: string) =>
        ((await get(app, `/sessions/${user}`)).body as Array<{ handle: string }>).map(({ handle }) => handle);
      expect(await handles('alice')).not.toContain(keyOf(alice));
      expect(await handles('bob')).toContain(keyOf(bob));
      expect(await raw(keyOf(bob))).toMatchObject({ userId: 'bob', data: { passport: { user: 'bob' } } });
    });

    it('leaves the user given by regenerate({ userId }) through @CurrentSession() alone', async () => {
      const app = await start();
      const res = await request(app.server as never).post('/promote').set('Cookie', await login(app, 'alice'));
      expect(res.body).toEqual({ user: 'carol' });
      const carol = cookiePair(res.headers['set-cookie']) as string;
      // Another user: the data starts empty, passport's included, and req.session's stale copy is not written back.
      expect(await raw(keyOf(carol))).toMatchObject({ userId: 'carol', data: {} });
    });

    it('indexes the user a userId option finds in the data', async () => {
      const app = await start({ expressCompatible: { userId: (data) => `user:${String((data.passport as { user?: string })?.user)}` } });
      const cookie = await login(app, 'bob');
      expect(await raw(keyOf(cookie))).toMatchObject({ userId: 'user:bob' });
      expect((await get(app, '/sessions/user:bob')).body).toContainEqual(expect.objectContaining({ handle: keyOf(cookie) }));
    });

    it('answers 503 with Retry-After from the middleware when the store is down', async () => {
      const app = await start();
      const cookie = await login(app);
      stored.counting.before.get = () => {
        throw new Error('store down');
      };
      const res = await get(app, '/open', cookie);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toMatchObject({ statusCode: 503 });
    });
  });
}
