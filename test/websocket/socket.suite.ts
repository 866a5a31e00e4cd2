import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { SessionModuleOptions } from '../../src/index.js';
import { storeKeyOf } from '../../src/token/session-token.js';
import { forgedDelivery } from '../support/forged-tokens.js';
import { sendableHeaderValue } from '../support/http-probe.js';
import {
  type Handshake,
  type Refusal,
  SOCKET_ADAPTERS,
  type SessionSocket,
  type SocketAdapterName,
  type SocketApp,
  connect,
  connected,
  createSocketApp,
  within,
} from '../support/socket-app.js';
import { type StoreTarget, useCountedStore } from '../support/store-target.js';
import { ADAPTERS, type AdapterName, SECRET } from '../support/test-app.js';

const MINUTE = 60_000;
const FORGED = 200;
const BATCH = 20;
const NO_CALLS = { get: 0, create: 0, update: 0, delete: 0, findByUser: 0 };

/**
 * Sessions on WebSocket gateways, through socket.io and through plain ws, against one store: who
 * may connect, what each message costs the store, and how a socket learns its session ended.
 */
export function describeSessionSockets(name: string, open: () => Promise<StoreTarget>): void {
  const setups = SOCKET_ADAPTERS.flatMap((adapter) => ADAPTERS.map((http) => [adapter, http] as const));
  describe.each(setups)(`sessions on %s gateways over %s with the ${name} store`, (adapter: SocketAdapterName, http: AdapterName) => {
    const apps: SocketApp[] = [];
    const sockets: SessionSocket[] = [];
    const stores = useCountedStore(open, async () => {
      for (const socket of sockets.splice(0)) socket.close();
      await Promise.all(apps.splice(0).map((app) => app.close()));
    });

    async function start(options: Partial<SessionModuleOptions> = {}): Promise<SocketApp> {
      const app = await createSocketApp(adapter, { store: stores.counting.store, ...options }, http);
      apps.push(app);
      return app;
    }

    /** Connects with a session and expects to be let in. */
    async function join(app: SocketApp, handshake: Handshake): Promise<SessionSocket> {
      const socket = await connected(adapter, app.port, handshake);
      sockets.push(socket);
      return socket;
    }

    /** Logs in over HTTP and connects with the cookie. */
    async function loggedIn(app: SocketApp, user = 'alice'): Promise<{ cookie: string; socket: SessionSocket }> {
      const cookie = await app.login(user);
      return { cookie, socket: await join(app, { cookie }) };
    }

    /** What a refused connection looks like to the client. */
    const REFUSED: Refusal = adapter === 'ws' ? { status: 401 } : { message: 'Session required', code: 'UNAUTHENTICATED' };

    async function expectRefused(app: SocketApp, handshake: Handshake): Promise<void> {
      const result = await connect(adapter, app.port, handshake);
      if ('ask' in result) {
        sockets.push(result);
        expect.fail(`connection with ${JSON.stringify(handshake)} was accepted`);
      }
      expect(result).toEqual(REFUSED);
    }

    const me = (app: SocketApp, cookie: string) => request(app.server as never).get('/me').set('Cookie', cookie);
    const keyOf = (cookie: string) => storeKeyOf(cookie.slice(4, 47));

    it('lets a browser in with its cookie, for one store read, and answers as its user', async () => {
      const app = await start();
      const cookie = await app.login('alice');
      stores.counting.reset();
      const socket = await join(app, { cookie });
      expect(stores.counting.calls).toEqual({ ...NO_CALLS, get: 1 });
      expect(await socket.ask('whoami')).toEqual({ data: { user: 'alice' } });
    });

    it('refuses a connection without a token, or with a cookie of no live session', async () => {
      const app = await start();
      stores.counting.reset();
      await expectRefused(app, {});
      await expectRefused(app, { cookie: 'theme=dark' });
      expect(stores.counting.calls).toEqual(NO_CALLS);
      const cookie = await app.login('alice');
      await request(app.server as never).post('/logout').set('Cookie', cookie).expect(204);
      stores.counting.reset();
      await expectRefused(app, { cookie });
      expect(stores.counting.calls).toEqual({ ...NO_CALLS, get: 1 });
    });

    it(`refuses ${FORGED} forged tokens at the handshake without store access`, async () => {
      const app = await start({ transport: 'both' });
      const cookie = await app.login(`fuzz-${adapter}`);
      const sendable = forgedDelivery([SECRET], 'sid').filter((d) => [...d.cookie, ...d.header].every(sendableHeaderValue));
      // socket.io's non-browser clients send the token in `auth`, ws clients in the token header.
      const handshakeOf = (d: { cookie: string[]; header: string[] }): Handshake => ({
        ...(d.cookie.length > 0 ? { headers: { cookie: d.cookie } } : {}),
        ...(d.header.length > 0 ? (adapter === 'ws' ? { headers: { ...(d.cookie.length > 0 ? { cookie: d.cookie } : {}), 'x-session-token': d.header } } : { token: d.header[0] }) : {}),
      });
      let cases = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(sendable, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
          stores.counting.reset();
          const results = await Promise.all(batch.map((d) => connect(adapter, app.port, handshakeOf(d))));
          for (const result of results) if ('ask' in result) sockets.push(result);
          cases += results.length;
          expect(results.filter((result) => 'ask' in result)).toEqual([]);
          expect(results).toEqual(results.map(() => REFUSED));
          expect(stores.counting.calls).toEqual(NO_CALLS);
        }),
        { numRuns: FORGED / BATCH },
      );
      expect(cases).toBe(FORGED);
      expect(await (await join(app, { cookie })).ask('whoami')).toEqual({ data: { user: `fuzz-${adapter}` } });
    }, 30_000);

    it('refuses a cross-site handshake carrying the cookie as FORBIDDEN, before the store', async () => {
      const app = await start();
      const cookie = await app.login('alice');
      stores.counting.reset();
      for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }] as Array<Record<string, string>>) {
        const result = await connect(adapter, app.port, { cookie, headers });
        if ('ask' in result) sockets.push(result);
        expect(result).toEqual(adapter === 'ws' ? { status: 403 } : { message: expect.any(String), code: 'FORBIDDEN' });
      }
      expect(stores.counting.calls).toEqual(NO_CALLS);
      const host = `127.0.0.1:${app.port}`;
      expect(await (await join(app, { cookie, headers: { origin: `http://${host}` } })).ask('whoami')).toEqual({ data: { user: 'alice' } });
    });

    it('lets a non-browser client in with the bare token', async () => {
      const app = await start({ transport: 'header' });
      const token = await app.login('bob');
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      const socket = await join(app, { token });
      expect(await socket.ask('whoami')).toEqual({ data: { user: 'bob' } });
      stores.counting.reset();
      await expectRefused(app, { token: `${token}x` });
      await expectRefused(app, { cookie: `sid=${token}` });
      expect(stores.counting.calls).toEqual(NO_CALLS);
    });

    it('reads the store once per guarded message, and writes nothing for an unchanged session', async () => {
      const app = await start({ touchInterval: MINUTE });
      const { socket } = await loggedIn(app);
      stores.counting.reset();
      for (let i = 0; i < 3; i++) expect(await socket.ask('whoami')).toEqual({ data: { user: 'alice' } });
      expect(stores.counting.calls).toEqual({ ...NO_CALLS, get: 3 });
      // Once touchInterval has passed, a message refreshes the idle deadline, once.
      app.advance(MINUTE + 1000);
      await socket.ask('whoami');
      await socket.ask('whoami');
      expect(stores.counting.calls).toEqual({ ...NO_CALLS, get: 5, update: 1 });
    });

    it('stores what a message sets, for the next message and for HTTP', async () => {
      const app = await start();
      const { cookie, socket } = await loggedIn(app);
      stores.counting.reset();
      expect(await socket.ask('remember', 'buy milk')).toEqual({ data: { ok: true } });
      expect(stores.counting.calls).toEqual({ ...NO_CALLS, get: 1, update: 1 });
      expect((await stores.target.store.get(keyOf(cookie)))?.data).toEqual({ note: 'buy milk' });
      expect(await socket.ask('note')).toEqual({ data: { note: 'buy milk' } });
      expect((await me(app, cookie)).body).toEqual({ user: 'alice', data: { note: 'buy milk' } });
    });

    it('refuses the next message of a session deleted in the store, for one store read, and ends the connection', async () => {
      const app = await start();
      const { cookie, socket } = await loggedIn(app);
      await stores.target.store.delete(keyOf(cookie));
      stores.counting.reset();
      const answer = await socket.ask('whoami');
      expect(answer).toMatchObject({ exception: { status: 'error', message: 'Session required' } });
      expect(stores.counting.calls).toEqual({ ...NO_CALLS, get: 1 });
      await within(socket.closed, 'disconnect after the refusal');
      expect(socket.open).toBe(false);
      expect(stores.counting.calls).toEqual({ ...NO_CALLS, get: 1 });
    });

    it('refuses the next message of a session signed out on another instance', async () => {
      const first = await start();
      const second = await start();
      const { cookie, socket } = await loggedIn(first);
      await request(second.server as never).post('/logout').set('Cookie', cookie).expect(204);
      expect(socket.open).toBe(true);
      stores.counting.reset();
      expect(await socket.ask('whoami')).toMatchObject({ exception: { status: 'error', message: 'Session required' } });
      expect(stores.counting.calls).toEqual({ ...NO_CALLS, get: 1 });
      await within(socket.closed, 'disconnect after the refusal');
    });

    it('disconnects at once the sockets of a session signed out over HTTP on this instance', async () => {
      const app = await start();
      const { cookie, socket } = await loggedIn(app);
      const other = await loggedIn(app, 'bob');
      await request(app.server as never).post('/logout').set('Cookie', cookie).expect(204);
      const { reason } = await within(socket.closed, 'disconnect after the logout');
      if (adapter === 'socket.io') expect(reason).toBe('io server disconnect');
      expect(socket.exceptions).toEqual([]);
      // Only that session's sockets.
      expect(other.socket.open).toBe(true);
      expect(await other.socket.ask('whoami')).toEqual({ data: { user: 'bob' } });
    });

    it('disconnects at once every socket of a user whose sessions are revoked by SessionService', async () => {
      const app = await start();
      const user = `frank-${adapter}-${Date.now()}`;
      const phone = await loggedIn(app, user);
      const laptop = await loggedIn(app, user);
      const bystander = await loggedIn(app, 'grace');
      expect(await app.sessions.revokeAll(user)).toBe(2);
      await within(Promise.all([phone.socket.closed, laptop.socket.closed]), 'disconnect after revokeAll');
      expect(bystander.socket.open).toBe(true);
      expect((await me(app, phone.cookie)).status).toBe(401);
    });

    it('refuses regenerate in a gateway with a clear error, and keeps the socket and session', async () => {
      const app = await start();
      const { cookie, socket } = await loggedIn(app);
      const answer = await socket.ask('regenerate');
      expect(answer).toMatchObject({ exception: { status: 'error', message: expect.stringMatching(/regenerate/i) } });
      expect((answer as { exception: { message: string } }).exception.message).not.toBe('Internal server error');
      expect(socket.open).toBe(true);
      expect(await socket.ask('whoami')).toEqual({ data: { user: 'alice' } });
      expect((await me(app, cookie)).body.user).toBe('alice');
    });

    it('destroys the session from a gateway: the cookie is dead and the socket ends', async () => {
      const app = await start();
      const { cookie, socket } = await loggedIn(app);
      const answer = await socket.ask('logout');
      expect(answer).not.toHaveProperty('exception');
      await within(socket.closed, 'disconnect after destroy');
      expect(await stores.target.store.get(keyOf(cookie))).toBeNull();
      expect((await me(app, cookie)).status).toBe(401);
    });

    it('refuses a message with an outage of the store, stays up, and serves the next once the store is back', async () => {
      const app = await start();
      const { socket } = await loggedIn(app);
      stores.counting.before.get = () => {
        throw new Error('connection refused');
      };
      const answer = await socket.ask('whoami');
      expect(answer).toMatchObject({ exception: { status: 'error', message: expect.stringMatching(/unavailable/i) } });
      const cookie = await app.login('alice');
      const refused = await connect(adapter, app.port, { cookie });
      if ('ask' in refused) sockets.push(refused);
      expect(refused).toEqual(adapter === 'ws' ? { status: 503 } : { message: expect.stringMatching(/unavailable/i), code: 'SERVICE_UNAVAILABLE' });
      stores.counting.clearHooks();
      if (socket.open) expect(await socket.ask('whoami')).toEqual({ data: { user: 'alice' } });
      const again = await loggedIn(app, 'alice');
      expect(await again.socket.ask('whoami')).toEqual({ data: { user: 'alice' } });
    });
  });
}
