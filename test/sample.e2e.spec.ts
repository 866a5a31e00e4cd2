import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { type Socket, io } from 'socket.io-client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SampleAdapter, createSampleApp } from '../sample/create-app.js';
import { cookiePair } from './support/test-app.js';

/** The arguments of the socket's next `event`. */
const nextEvent = (socket: Socket, event: 'disconnect' | 'connect_error'): Promise<unknown[]> =>
  new Promise((resolve) => socket.once(event, (...args: unknown[]) => resolve(args)));

// The sample as `npm run sample` builds it, on both adapters: GraphQL is Apollo on Express and
// Mercurius on Fastify (SAMPLE_ADAPTER=fastify).
describe.each<SampleAdapter>(['express', 'fastify'])('the sample app on %s', (adapter) => {
  let app: INestApplication;
  let base: string;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    vi.stubEnv('SESSION_SECRETS', 'sample-secret-0123456789-abcdefghijk');
    vi.stubEnv('SESSION_COOKIE_SECURE', 'false');
    app = await createSampleApp(adapter, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
    vi.unstubAllEnvs();
  });

  const login = async (username: string, password: string) => http().post('/auth/login').send({ username, password });
  const signedIn = async (username: string) => cookiePair((await login(username, `${username}-password`)).headers['set-cookie']) as string;
  const graphql = (cookie: string | undefined, query: string) => {
    const req = http().post('/graphql').set('Content-Type', 'application/json');
    return (cookie === undefined ? req : req.set('Cookie', cookie)).send(JSON.stringify({ query }));
  };

  it('signs in, serves me, lists devices and signs out', async () => {
    const res = await login('alice', 'alice-password');
    expect(res.status).toBe(200);
    const cookie = cookiePair(res.headers['set-cookie']) as string;
    const me = await http().get('/me').set('Cookie', cookie);
    expect(me.body).toEqual({ userId: 'u-alice', name: 'alice', role: 'admin' });
    const sessions = await http().get('/sessions').set('Cookie', cookie);
    expect(sessions.body).toEqual([expect.objectContaining({ userId: 'u-alice', current: true })]);
    expect((await http().post('/auth/logout').set('Cookie', cookie)).status).toBe(204);
    expect((await http().get('/me').set('Cookie', cookie)).status).toBe(401);
  });

  it('refuses a wrong password with 401 and a malformed body with 400', async () => {
    expect((await login('alice', 'nope')).status).toBe(401);
    expect((await http().post('/auth/login').send({ username: 1 })).status).toBe(400);
  });

  it('revokes another device and signs out everywhere else', async () => {
    const phone = await signedIn('bob');
    const laptop = await signedIn('bob');
    const tablet = await signedIn('bob');
    const list = (await http().get('/sessions').set('Cookie', laptop)).body as Array<{ handle: string; current: boolean }>;
    expect(list).toHaveLength(3);
    const other = list.find((s) => !s.current) as { handle: string };
    expect((await http().delete(`/sessions/${other.handle}`).set('Cookie', laptop)).status).toBe(204);
    expect((await http().delete('/sessions/not-mine').set('Cookie', laptop)).status).toBe(404);
    expect((await http().post('/sessions/revoke-others').set('Cookie', laptop)).body).toEqual({ revoked: 1 });
    const alive = await Promise.all([phone, tablet].map(async (c) => (await http().get('/me').set('Cookie', c)).status));
    expect(alive).toEqual([401, 401]);
    expect((await http().get('/me').set('Cookie', laptop)).status).toBe(200);
    await http().post('/auth/logout').set('Cookie', laptop);
  });

  it('answers me and signOutEverywhereElse over GraphQL, only with a session', async () => {
    const phone = await signedIn('alice');
    const laptop = await signedIn('alice');
    const handle = ((await http().get('/sessions').set('Cookie', laptop)).body as Array<{ handle: string; current: boolean }>).find(
      (s) => s.current,
    )?.handle;

    const me = await graphql(laptop, '{ me { userId name role sessionHandle } }');
    expect(me.body).toEqual({ data: { me: { userId: 'u-alice', name: 'alice', role: 'admin', sessionHandle: handle } } });
    const anonymous = await graphql(undefined, '{ me { userId } }');
    expect(anonymous.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);

    expect((await graphql(laptop, 'mutation { signOutEverywhereElse }')).body).toEqual({ data: { signOutEverywhereElse: 1 } });
    expect((await http().get('/me').set('Cookie', phone)).status).toBe(401);
    expect((await graphql(laptop, '{ me { userId } }')).body).toEqual({ data: { me: { userId: 'u-alice' } } });
    await http().post('/auth/logout').set('Cookie', laptop);
  });

  it('keeps a signed-in socket in its user\'s room until the session ends, and refuses one without', async () => {
    const cookie = await signedIn('alice');
    const socket = io(base, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
    expect(await socket.emitWithAck('devices:watch')).toBe(true);
    const closed = nextEvent(socket, 'disconnect');
    expect((await http().post('/auth/logout').set('Cookie', cookie)).status).toBe(204);
    expect(await closed).toEqual(['io server disconnect', undefined]);

    const anonymous = io(base, { transports: ['websocket'], reconnection: false });
    const [refusal] = (await nextEvent(anonymous, 'connect_error')) as [Error & { data?: { code?: string } }];
    expect({ message: refusal.message, code: refusal.data?.code }).toEqual({ message: 'Session required', code: 'UNAUTHENTICATED' });
    anonymous.close();
  });

  it('serves the page, its script and the socket.io client', async () => {
    for (const path of ['/', '/app.js', '/app.css', '/vendor/socket.io.min.js']) {
      const res = await http().get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
    expect((await http().get('/vendor/socket.io.min.js')).text).toContain('io=');
  });
});
