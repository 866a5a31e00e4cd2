import { ValidationPipe } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppModule } from '../sample/app.module.js';
import { cookiePair } from './support/test-app.js';

describe('the sample app', () => {
  let app: Awaited<ReturnType<typeof boot>>;
  const boot = async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const nest = moduleRef.createNestApplication({ logger: false });
    nest.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
    await nest.init();
    return nest;
  };

  beforeAll(async () => {
    vi.stubEnv('SESSION_SECRETS', 'sample-secret-0123456789-abcdefghijk');
    vi.stubEnv('SESSION_COOKIE_SECURE', 'false');
    app = await boot();
  });
  afterAll(async () => {
    await app.close();
    vi.unstubAllEnvs();
  });

  const login = async (username: string, password: string) =>
    request(app.getHttpServer()).post('/auth/login').send({ username, password });

  it('signs in, serves me, lists devices and signs out', async () => {
    const res = await login('alice', 'alice-password');
    expect(res.status).toBe(200);
    const cookie = cookiePair(res.headers['set-cookie']) as string;
    const me = await request(app.getHttpServer()).get('/me').set('Cookie', cookie);
    expect(me.body).toEqual({ userId: 'u-alice', name: 'alice', role: 'admin' });
    const sessions = await request(app.getHttpServer()).get('/sessions').set('Cookie', cookie);
    expect(sessions.body).toEqual([expect.objectContaining({ userId: 'u-alice', current: true })]);
    expect((await request(app.getHttpServer()).post('/auth/logout').set('Cookie', cookie)).status).toBe(204);
    expect((await request(app.getHttpServer()).get('/me').set('Cookie', cookie)).status).toBe(401);
  });

  it('refuses a wrong password with 401 and a malformed body with 400', async () => {
    expect((await login('alice', 'nope')).status).toBe(401);
    expect((await request(app.getHttpServer()).post('/auth/login').send({ username: 1 })).status).toBe(400);
  });

  it('revokes another device and signs out everywhere else', async () => {
    const phone = cookiePair((await login('bob', 'bob-password')).headers['set-cookie']) as string;
    const laptop = cookiePair((await login('bob', 'bob-password')).headers['set-cookie']) as string;
    const tablet = cookiePair((await login('bob', 'bob-password')).headers['set-cookie']) as string;
    const list = (await request(app.getHttpServer()).get('/sessions').set('Cookie', laptop)).body as Array<{ handle: string; current: boolean }>;
    expect(list).toHaveLength(3);
    const other = list.find((s) => !s.current) as { handle: string };
    expect((await request(app.getHttpServer()).delete(`/sessions/${other.handle}`).set('Cookie', laptop)).status).toBe(204);
    expect((await request(app.getHttpServer()).delete('/sessions/not-mine').set('Cookie', laptop)).status).toBe(404);
    expect((await request(app.getHttpServer()).post('/sessions/revoke-others').set('Cookie', laptop)).body).toEqual({ revoked: 1 });
    const alive = await Promise.all(
      [phone, tablet].map(async (c) => (await request(app.getHttpServer()).get('/me').set('Cookie', c)).status),
    );
    expect(alive).toEqual([401, 401]);
    expect((await request(app.getHttpServer()).get('/me').set('Cookie', laptop)).status).toBe(200);
  });
});
