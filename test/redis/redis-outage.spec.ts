import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { useRedisServer } from '../support/redis-server.js';
import { ADAPTERS, type AdapterName, type TestApp, cookiePair, createTestApp } from '../support/test-app.js';

// The contract of the feature: an outage costs a request a 503 within this, never a hang.
const FAIL_FAST_BOUND = 1500;

async function until<T>(attempt: () => Promise<T>, done: (value: T) => boolean, within = 10_000): Promise<T> {
  const deadline = Date.now() + within;
  for (;;) {
    const value = await attempt();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(ADAPTERS)('Redis outage on %s', (adapter: AdapterName) => {
  const server = useRedisServer({ persistent: true });
  let app: TestApp;

  afterEach(async () => {
    await app?.close();
    await server.start();
  });

  const me = (cookie: string) => request(app.server as never).get('/me').set('Cookie', cookie);

  async function login(): Promise<string> {
    const res = await request(app.server as never).post('/login').send({ user: 'alice' });
    expect(res.status).toBe(200);
    const cookie = cookiePair(res.headers['set-cookie']) as string;
    await request(app.server as never).put('/data/cart').set('Cookie', cookie).send({ value: ['a-1'] }).expect(200);
    return cookie;
  }

  it('answers 503 with Retry-After at once while Redis is down, and recovers without a restart', async () => {
    app = await createTestApp(adapter, { store: { type: 'redis', url: server.url } });
    const cookie = await login();

    await server.stop();
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await me(cookie);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(Date.now() - started).toBeLessThan(FAIL_FAST_BOUND);
    }

    await server.start();
    const back = await until(() => me(cookie), (res) => res.status === 200);
    expect(back.status).toBe(200);
    expect(back.body).toEqual({ user: 'alice', data: { role: 'member', cart: ['a-1'] } });
  });

  it('answers 503 within storeTimeout while Redis hangs, and serves again when it answers', async () => {
    app = await createTestApp(adapter, { store: { type: 'redis', url: server.url }, storeTimeout: 300 });
    const cookie = await login();

    await server.cli('client', 'pause', '800');
    const started = Date.now();
    const res = await me(cookie);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(Date.now() - started).toBeLessThan(FAIL_FAST_BOUND);

    const back = await until(() => me(cookie), (r) => r.status === 200);
    expect(back.body).toEqual({ user: 'alice', data: { role: 'member', cart: ['a-1'] } });
  });

  it('waits for a slow Redis as long as storeTimeout allows, not a fixed command timeout', async () => {
    app = await createTestApp(adapter, { store: { type: 'redis', url: server.url }, storeTimeout: 4000 });
    const cookie = await login();
    await server.cli('client', 'pause', '1500');
    const res = await me(cookie);
    expect(res.status).toBe(200);
    expect(res.body.data.cart).toEqual(['a-1']);
  });

  it('shuts down promptly while Redis is down', async () => {
    app = await createTestApp(adapter, { store: { type: 'redis', url: server.url } });
    await server.stop();
    // Shut down once the client knows Redis is gone and is between reconnect attempts.
    await until(() => request(app.server as never).post('/login').send({ user: 'alice' }), (res) => res.status === 503);
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(FAIL_FAST_BOUND);
  });

  it('starts while Redis is down, answering 503, and serves once Redis is up', async () => {
    await server.stop();
    const booted = Date.now();
    app = await createTestApp(adapter, { store: { type: 'redis', url: server.url, connectTimeout: 500 } });
    expect(Date.now() - booted).toBeLessThan(FAIL_FAST_BOUND + 1000);
    const down = await request(app.server as never).post('/login').send({ user: 'alice' });
    expect(down.status).toBe(503);

    await server.start();
    const up = await until(
      () => request(app.server as never).post('/login').send({ user: 'alice' }),
      (res) => res.status === 200,
    );
    expect(up.status).toBe(200);
  });
});
