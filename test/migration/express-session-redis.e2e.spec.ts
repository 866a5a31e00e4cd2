import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExpressSessionMigration, RedisStore } from '../../src/index.js';
import { type CountingStore, countingStore } from '../support/counting-store.js';
import { OLD_APP_SECRETS, OLD_PASSWORD, expressSessionApp, sameBrowserOn, signInOnOldApp } from '../support/express-session-app.js';
import { useRedisServer } from '../support/redis-server.js';
import { ADAPTERS, type AdapterName, type TestApp, cookiePair, createTestApp } from '../support/test-app.js';

const HOUR = 3_600_000;

describe.each(ADAPTERS)('moving express-session + connect-redis sessions on %s', (adapter: AdapterName) => {
  const server = useRedisServer();
  let oldClient: ReturnType<typeof createClient>;
  let oldApp: ReturnType<typeof expressSessionApp>;
  let ours: CountingStore;
  let ourClient: Redis;
  let app: TestApp;

  beforeAll(async () => {
    // The old app as it ran: node-redis, which connect-redis 9 takes, and connect-redis' defaults.
    oldClient = createClient({ url: server.url });
    await oldClient.connect();
    oldApp = expressSessionApp(new ConnectRedisStore({ client: oldClient }));
    // The new app: this module on the same Redis, its own keys beside the old ones.
    ourClient = new Redis(server.url);
    ours = countingStore(new RedisStore(ourClient));
    app = await createTestApp(adapter, {
      store: ours.store,
      migrateFrom: {
        expressSession: {
          // The old app's secrets, in any order: it signed with the first, earlier cookies with the second.
          secret: [...OLD_APP_SECRETS].reverse(),
          store: { type: 'connect-redis', url: server.url },
        },
      },
    });
  });
  afterAll(async () => {
    await app.close();
    ourClient.disconnect();
    await oldClient.quit();
  });
  beforeEach(() => ours.reset());

  const migration = () => app.app.get(ExpressSessionMigration);

  it('keeps the login of a browser signed in on the old app: one read, one create, one delete', async () => {
    const { browser, id } = await signInOnOldApp(oldApp, 'alice');
    expect(await server.cli('exists', `sess:${id}`)).toBe('1');
    const before = migration().stats().migrated;
    await server.resetCommandStats();

    const newApp = sameBrowserOn(app.server, browser);
    const first = await newApp.get('/me').expect(200);

    expect(first.body).toEqual({ user: 'alice', data: { passport: { user: 'alice' }, theme: 'dark' } });
    // The old record: one GET and one DEL. Ours: one create, no read (the request had no cookie of ours).
    const commands = await server.commandCalls();
    expect([commands['get'], commands['del'], commands['hgetall']]).toEqual([1, 1, undefined]);
    expect(ours.calls).toEqual({ get: 0, create: 1, update: 0, delete: 0, findByUser: 0 });
    expect(await server.cli('exists', `sess:${id}`)).toBe('0');
    const setCookie = first.headers['set-cookie'] as unknown as string[];
    expect(cookiePair(setCookie)).toMatch(/^sid=.+/);
    expect(setCookie.find((c) => c.startsWith('connect.sid='))).toMatch(/^connect\.sid=; .*Expires=Thu, 01 Jan 1970/);
    expect(migration().stats().migrated).toBe(before + 1);

    // Every later request is ours: one HGETALL, the old store untouched.
    ours.reset();
    await server.resetCommandStats();
    expect((await newApp.get('/me').expect(200)).body.user).toBe('alice');
    expect(await server.commandCalls()).toEqual({ hgetall: 1 });
    const sessions = await newApp.get('/sessions').expect(200);
    expect(sessions.body).toEqual([expect.objectContaining({ userId: 'alice', current: true })]);
    // The browser's jar now holds our cookie and no longer the old one.
    expect((await browser.get('/cookies').expect(200)).body.names).toEqual(['sid']);
  });

  it('moves a session signed with an earlier secret of the old app', async () => {
    const olderApp = expressSessionApp(new ConnectRedisStore({ client: oldClient }), OLD_APP_SECRETS[1]);
    const browser = request.agent(olderApp);
    await browser.post('/login').send({ username: 'bob', password: OLD_PASSWORD }).expect(200);
    expect((await sameBrowserOn(app.server, browser).get('/me').expect(200)).body.user).toBe('bob');
  });

  it('moves a session without a user that holds data, as a session without a user', async () => {
    const browser = request.agent(oldApp);
    await browser.post('/cart').expect(200);
    const res = await sameBrowserOn(app.server, browser).get('/me').expect(200);
    expect(res.body).toEqual({ user: null, data: { cart: ['book'] } });
  });

  it('moves a session once when the browser sends several requests with the old cookie at once', async () => {
    const { browser, id } = await signInOnOldApp(oldApp, 'carol');
    const newApp = sameBrowserOn(app.server, browser);
    const answers = await Promise.all([newApp.get('/me'), newApp.get('/me'), newApp.get('/me')]);
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200]);
    expect(ours.calls.create).toBe(1);
    expect(new Set(answers.map((res) => cookiePair(res.headers['set-cookie'])))).toHaveProperty('size', 1);
    expect(await server.cli('exists', `sess:${id}`)).toBe('0');
  });

  it('spends no Redis command on an old cookie with a bad signature, and refuses it', async () => {
    const { id } = await signInOnOldApp(oldApp, 'mallory');
    await server.resetCommandStats();
    const forged = [
      `connect.sid=s%3A${id}.${'A'.repeat(43)}`,
      // The right format, signed with a secret the old app never had.
      `connect.sid=${encodeURIComponent(`s:${id}.`)}${'x'.repeat(43)}`,
      'connect.sid=s%3Anot-signed',
    ];
    for (const cookie of forged) {
      const res = await request(app.server as never).get('/me').set('Cookie', cookie).expect(401);
      expect(res.headers['set-cookie']).toEqual(expect.arrayContaining([expect.stringMatching(/^connect\.sid=; /)]));
    }
    expect(await server.commandCalls()).toEqual({});
    expect(ours.calls).toEqual({ get: 0, create: 0, update: 0, delete: 0, findByUser: 0 });
    expect(await server.cli('exists', `sess:${id}`)).toBe('1');
  });

  it('refuses an old session past its cookie expiry after one read, and clears the old cookie', async () => {
    const { browser, id } = await signInOnOldApp(oldApp, 'dave');
    await server.resetCommandStats();
    // The old cookie said two hours; Redis would keep the record that long too.
    app.advance(3 * HOUR);
    let res: request.Response;
    try {
      res = await sameBrowserOn(app.server, browser).get('/me').expect(401);
    } finally {
      app.advance(-3 * HOUR);
    }
    expect(await server.commandCalls()).toEqual({ get: 1 });
    expect(ours.calls.create).toBe(0);
    expect((res.headers['set-cookie'] as unknown as string[]).some((c) => c.startsWith('connect.sid=; '))).toBe(true);
    // Left for Redis to expire at the TTL connect-redis gave it.
    expect(await server.cli('exists', `sess:${id}`)).toBe('1');
  });

  it('refuses an old session Redis has expired', async () => {
    // A browser-session cookie, which the jar keeps, and connect-redis' `ttl` of one second.
    const browser = request.agent(expressSessionApp(new ConnectRedisStore({ client: oldClient, ttl: 1 })));
    await browser.post('/login').send({ username: 'erin', password: OLD_PASSWORD, maxAge: null }).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await server.resetCommandStats();
    await sameBrowserOn(app.server, browser).get('/me').expect(401);
    expect(await server.commandCalls()).toEqual({ get: 1 });
    expect(ours.calls.create).toBe(0);
  });
});
