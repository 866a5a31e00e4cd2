import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SessionConfigError, sessionOptionsFromEnv } from '../../src/index.js';
import { useRedisServer } from '../support/redis-server.js';
import { SECRET, cookiePair, createTestApp } from '../support/test-app.js';

describe('Redis store from SESSION_* variables', () => {
  const server = useRedisServer();

  it('boots an app on the Redis named by SESSION_REDIS_URL, under SESSION_REDIS_KEY_PREFIX', async () => {
    const options = sessionOptionsFromEnv({
      SESSION_SECRETS: SECRET,
      SESSION_STORE: 'redis',
      SESSION_REDIS_URL: server.url,
      SESSION_REDIS_KEY_PREFIX: 'from-env:',
      SESSION_COOKIE_SECURE: 'false',
    });
    const app = await createTestApp('express', options);
    const login = await request(app.server as never).post('/login').send({ user: 'alice' });
    const me = await request(app.server as never).get('/me').set('Cookie', cookiePair(login.headers['set-cookie']) as string);
    expect(me.body.user).toBe('alice');
    expect(await server.cli('--scan', '--pattern', 'from-env:s:*')).toMatch(/^from-env:s:[A-Za-z0-9_-]{43}$/);
    await app.close();
  });

  it('reads SESSION_REDIS_CLUSTER as a flag on the URL', () => {
    const env = { SESSION_SECRETS: SECRET, SESSION_STORE: 'redis', SESSION_REDIS_URL: 'rediss://clustercfg.example:6379' };
    expect(sessionOptionsFromEnv({ ...env, SESSION_REDIS_CLUSTER: 'true' }).store).toMatchObject({ type: 'redis', cluster: true });
    expect(() => sessionOptionsFromEnv({ ...env, SESSION_REDIS_CLUSTER: 'yes' })).toThrow(SessionConfigError);
  });
});
