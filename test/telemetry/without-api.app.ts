import { register } from 'node:module';

// An app whose node_modules have no @opentelemetry/api: every @opentelemetry/ package fails to
// resolve exactly as a missing one does. Run by without-api.spec.ts; prints what it found as JSON.
const HIDE_OPENTELEMETRY = `export async function resolve(specifier, context, next) {
  if (!specifier.startsWith('@opentelemetry/')) return next(specifier, context);
  const error = new Error("Cannot find package '" + specifier + "' imported from " + context.parentURL);
  error.code = 'ERR_MODULE_NOT_FOUND';
  throw error;
}`;
register(`data:text/javascript,${encodeURIComponent(HIDE_OPENTELEMETRY)}`);

const { default: request } = await import('supertest');
const { MemoryStore } = await import('../../src/index.js');
const { STORE_IN_USE } = await import('../../src/session.constants.js');
const { SessionManager } = await import('../../src/session/session.manager.js');
const { cookiePair, createTestApp } = await import('../support/test-app.js');

const apiMissing = await import('@opentelemetry/api').then(
  () => false,
  (error: { code?: string }) => error.code === 'ERR_MODULE_NOT_FOUND',
);
const store = new MemoryStore();
const app = await createTestApp('express', { store });
const login = await request(app.server as never).post('/login').send({ user: 'alice' });
const me = await request(app.server as never).get('/me').set('Cookie', cookiePair(login.headers['set-cookie']) as string);
const result = {
  apiMissing,
  storeIsTheAppsOwn: app.app.get(STORE_IN_USE) === store,
  telemetry: app.app.get(SessionManager).telemetry,
  statuses: [login.status, me.status],
  insisting: await createTestApp('express', { telemetry: true }).then(
    async (other) => {
      await other.close();
      return 'booted';
    },
    (error: Error) => `${error.name}: ${error.message}`,
  ),
};
await app.close();
console.log(JSON.stringify(result));
