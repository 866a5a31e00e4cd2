import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { useRedisServer } from '../support/redis-server.js';
import { registerTelemetrySdk } from '../support/telemetry-sdk.js';
import { type TestApp, cookiePair, createTestApp } from '../support/test-app.js';

const sdk = registerTelemetrySdk();
const redis = useRedisServer();
let app: TestApp;

beforeAll(async () => {
  app = await createTestApp('fastify', { store: { type: 'redis', url: redis.url } });
  sdk.traceRequests(app.server);
});
afterAll(() => app?.close());

it('names the Redis store redis in the spans and durations of a login and a hot request', async () => {
  const server = () => request(app.server as never);
  await sdk.reset();
  const cookie = cookiePair((await server().post('/login').send({ user: 'alice' })).headers['set-cookie']) as string;
  expect((await server().get('/me').set('Cookie', cookie)).status).toBe(200);

  const spans = sdk.finishedSpans();
  expect(spans.map((span) => [span.name, span.attributes])).toEqual([
    ['session create', { 'db.system.name': 'redis', 'db.operation.name': 'create' }],
    ['session get', { 'db.system.name': 'redis', 'db.operation.name': 'get' }],
  ]);
  const requests = sdk.requests();
  expect(spans.map((span) => span.parentSpanContext?.spanId)).toEqual(requests.map((span) => span.spanId));
  const durations = (await sdk.points()).filter((point) => point.name === 'db.client.operation.duration');
  expect(durations.map((point) => [point.attributes['db.operation.name'], point.attributes['db.system.name'], point.value])).toEqual([
    ['create', 'redis', 1],
    ['get', 'redis', 1],
  ]);
});
