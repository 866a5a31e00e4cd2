import session from 'express-session';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { type LegacySessionStore, SessionConfigError, sessionMiddleware } from '../../src/index.js';
import { OLD_APP_SECRETS, expressSessionApp, sameBrowserOn, signInOnOldApp } from '../support/express-session-app.js';
import { openMemoryStore } from '../support/store-target.js';
import { ADAPTERS, type AdapterName, createTestApp } from '../support/test-app.js';
import { startPassportApp } from './passport-app.js';
import { describePassport } from './passport.suite.js';

describePassport('memory', openMemoryStore);

describe('expressCompatible configuration', () => {
  it('refuses a bad option and a middleware without the option, at boot', async () => {
    await expect(createTestApp('express', { expressCompatible: 'yes' as never })).rejects.toThrow(SessionConfigError);
    await expect(createTestApp('express', { expressCompatible: { userId: 'passport.user' as never } })).rejects.toThrow(
      /expressCompatible\.userId/,
    );
    const app = await createTestApp('express');
    try {
      expect(() => sessionMiddleware(app.app)).toThrow(/expressCompatible/);
    } finally {
      await app.close();
    }
  });

  it('fails each request with a message when app.use() runs the middleware on Fastify', async () => {
    const logged: string[] = [];
    const app = await startPassportApp({}, 'fastify', (nest) => {
      nest.useLogger({ log() {}, warn() {}, error: (message: unknown) => logged.push(String(message)) });
      nest.use(sessionMiddleware(nest));
    });
    try {
      expect((await request(app.server as never).get('/open')).status).toBe(500);
      expect(logged.join('\n')).toMatch(/addHook\('onRequest', sessionMiddleware\(app\)\)/);
    } finally {
      await app.close();
    }
  });
});

describe.each(ADAPTERS)('passport on %s with migrateFrom', (adapter: AdapterName) => {
  it('keeps the passport login of a browser that signed in on the express-session app', async () => {
    const oldStore = new session.MemoryStore();
    const old: LegacySessionStore = {
      get: (id) =>
        new Promise((resolve, reject) =>
          oldStore.get(id, (error, data) => (error ? reject(error) : resolve(data ? { data: { ...data }, expiresAt: null } : null))),
        ),
      delete: (id) => new Promise((resolve, reject) => oldStore.destroy(id, (error) => (error ? reject(error) : resolve()))),
    };
    const { browser } = await signInOnOldApp(expressSessionApp(oldStore), 'alice');
    const app = await startPassportApp({ migrateFrom: { expressSession: { secret: OLD_APP_SECRETS, store: old } } }, adapter);
    try {
      // sessionMiddleware moved the session before passport.session() read it: req.user is there.
      const me = await sameBrowserOn(app.server, browser).get('/me');
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ user: 'alice', sessionUser: 'alice' });
      expect((await sameBrowserOn(app.server, browser).get('/me')).body).toMatchObject({ user: 'alice' });
    } finally {
      await app.close();
    }
  });
});
