import session from 'express-session';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveSessionOptions } from '../../src/config/resolved-options.js';
import {
  ExpressSessionMigration,
  type ExpressSessionMigrationOptions,
  type LegacySessionStore,
  SessionConfigError,
} from '../../src/index.js';
import { OLD_APP_SECRETS, OLD_PASSWORD, expressSessionApp } from '../support/express-session-app.js';
import { SECRET, type TestApp, cookiePair, createTestApp } from '../support/test-app.js';

/**
 * A LegacySessionStore over any connect store, here express-session's own MemoryStore: what an
 * app writes for a store the module has no reader for.
 */
function legacyStoreOf(store: session.Store) {
  const calls = { get: 0, delete: 0, close: 0 };
  const legacy: LegacySessionStore = {
    get: (id) => {
      calls.get += 1;
      return new Promise((resolve, reject) =>
        store.get(id, (error, data) => (error ? reject(error) : resolve(data ? { data: { ...data }, expiresAt: null } : null))),
      );
    },
    delete: (id) => {
      calls.delete += 1;
      return new Promise((resolve, reject) => store.destroy(id, (error) => (error ? reject(error) : resolve())));
    },
    close: async () => {
      calls.close += 1;
    },
  };
  return { legacy, calls };
}

const connectSidOf = (res: request.Response) => cookiePair(res.headers['set-cookie'], 'connect.sid') as string;
const clearsOldCookie = (res: request.Response) =>
  ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).some((c) => c.startsWith('connect.sid=; '));

describe('express-session migration with a LegacySessionStore of the app', () => {
  const oldStore = new session.MemoryStore();
  const oldApp = expressSessionApp(oldStore);
  const { legacy, calls } = legacyStoreOf(oldStore);
  let app: TestApp;

  const options: ExpressSessionMigrationOptions = {
    secret: OLD_APP_SECRETS,
    store: legacy,
    // The old app kept its user as `account.id`, a number.
    userId: (data) => {
      const account = data['account'] as { id?: number } | undefined;
      return account?.id === undefined ? (data['passport'] as { user?: string } | undefined)?.user : String(account.id);
    },
  };

  beforeAll(async () => {
    app = await createTestApp('express', { migrateFrom: { expressSession: options } });
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    calls.get = 0;
    calls.delete = 0;
  });

  /** A cookie of a session the old app filled with `data`. */
  async function oldSession(data: object): Promise<string> {
    const put = await request(oldApp).post('/put').send(data).expect(200);
    return connectSidOf(put);
  }

  it("takes the user from the function given, and keeps the old app's data", async () => {
    const res = await request(app.server as never).get('/me').set('Cookie', await oldSession({ account: { id: 7 }, plan: 'pro' })).expect(200);
    expect(res.body).toEqual({ user: '7', data: { account: { id: 7 }, plan: 'pro' } });
    expect(calls).toMatchObject({ get: 1, delete: 1 });
  });

  it('leaves a session ours refuses where it is, and its cookie with the browser', async () => {
    const stats = () => app.app.get(ExpressSessionMigration).stats();
    const refusedBefore = stats().refused;
    // Over the 4 KiB a session without a user may hold here.
    const cookie = await oldSession({ notes: 'x'.repeat(5000) });
    const res = await request(app.server as never).get('/me').set('Cookie', cookie).expect(401);
    expect(clearsOldCookie(res)).toBe(false);
    expect(calls).toMatchObject({ get: 1, delete: 0 });
    expect(stats().refused).toBe(refusedBefore + 1);
  });

  it('moves nothing for a session that holds nothing, and clears its cookie', async () => {
    const browser = request.agent(oldApp);
    const cookie = connectSidOf(await browser.post('/put').send({ step: 1 }).expect(200));
    await browser.post('/empty').expect(200);
    const res = await request(app.server as never).get('/me').set('Cookie', cookie).expect(401);
    expect(clearsOldCookie(res)).toBe(true);
    expect(calls).toMatchObject({ get: 1, delete: 0 });
  });

  it('refuses two different signed old cookies at once, without a store read', async () => {
    const [a, b] = [await oldSession({ plan: 'a' }), await oldSession({ plan: 'b' })];
    calls.get = 0;
    await request(app.server as never).get('/me').set('Cookie', `${a}; ${b}`).expect(401);
    expect(calls.get).toBe(0);
  });

  it('lets an anonymous route run with a blank session when the old cookie opens nothing', async () => {
    const res = await request(app.server as never).post('/login').set('Cookie', 'connect.sid=s%3Aforged.sig').send({ user: 'zoe' }).expect(200);
    expect(res.body).toEqual({ user: 'zoe' });
    expect(clearsOldCookie(res)).toBe(true);
  });

  it('never closes a store the app handed in', async () => {
    await app.app.get(ExpressSessionMigration).onApplicationShutdown();
    expect(calls.close).toBe(0);
  });
});

describe('express-session migration, switched off', () => {
  it('does not look at an old cookie without migrateFrom', async () => {
    const app = await createTestApp('express');
    try {
      const login = await request(expressSessionApp(new session.MemoryStore()))
        .post('/login')
        .send({ username: 'alice', password: OLD_PASSWORD })
        .expect(200);
      const res = await request(app.server as never).get('/me').set('Cookie', connectSidOf(login)).expect(401);
      expect(clearsOldCookie(res)).toBe(false);
      expect(app.app.get(ExpressSessionMigration).enabled).toBe(false);
    } finally {
      await app.close();
    }
  });
});

describe('migrateFrom options', () => {
  const problemsOf = (migrateFrom: unknown, extra: object = {}) => {
    try {
      resolveSessionOptions({ secrets: [SECRET], migrateFrom: migrateFrom as never, ...extra });
      return [];
    } catch (error) {
      if (!(error instanceof SessionConfigError)) throw error;
      return error.problems.map(({ name }) => name);
    }
  };

  it('names every problem by its path', () => {
    expect(
      problemsOf({ expressSession: { secret: [], name: 'connect sid', cookie: { path: 'x' }, store: { type: 'connect-redis' } } }),
    ).toEqual([
      'migrateFrom.expressSession.secret',
      'migrateFrom.expressSession.name',
      'migrateFrom.expressSession.cookie.path',
      'migrateFrom.expressSession.store.url',
    ]);
    expect(problemsOf({ expressSession: { secret: 's', store: { type: 'connect-dynamodb' } } })).toEqual([
      'migrateFrom.expressSession.store.client',
    ]);
    expect(problemsOf({ expressSession: { secret: 's', store: { type: 'connect-mongo' } } })).toEqual([
      'migrateFrom.expressSession.store.type',
    ]);
    expect(problemsOf({ expressSession: { secret: 's', store: { get() {} } } })).toEqual(['migrateFrom.expressSession.store']);
    expect(problemsOf({})).toEqual(['migrateFrom.expressSession']);
  });

  it('accepts what the guide shows, and refuses the header transport', () => {
    const valid = { expressSession: { secret: 'old', store: { type: 'connect-redis', url: 'redis://localhost:6379' } } };
    expect(problemsOf(valid)).toEqual([]);
    expect(problemsOf(valid, { transport: 'header' })).toEqual(['migrateFrom']);
    expect(problemsOf(valid, { cookie: { name: 'connect.sid', secure: false } })).toEqual(['migrateFrom.expressSession.name']);
  });
});
