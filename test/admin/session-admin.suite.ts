import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  HttpCode,
  type INestApplication,
  Injectable,
  Module,
  Post,
  Body,
  UseGuards,
} from '@nestjs/common';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AllowAnonymous,
  CurrentSession,
  type Session,
  SessionAdminModule,
  type SessionAdminOptions,
  SessionConfigError,
  SessionGuard,
  SessionModule,
  type SessionModuleOptions,
  SessionService,
} from '../../src/index.js';
import { SessionManager } from '../../src/session/session.manager.js';
import { storeKeyOf } from '../../src/token/session-token.js';
import { type StoreTarget, useCountedStore } from '../support/store-target.js';
import type { StoreOperation } from '../support/counting-store.js';
import { type TestClock, startNestApp, testClock } from '../support/nest-app.js';
import { ADAPTERS, type AdapterName, SECRET, cookiePair } from '../support/test-app.js';

const MINUTE = 60_000;
const NO_CALLS: Record<StoreOperation, number> = { get: 0, create: 0, update: 0, delete: 0, findByUser: 0 };
const LAPTOP = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/150.0';
const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 19_0 like Mac OS X) Safari/605.1.15';

interface AppData {
  role?: string;
}

@Controller()
class AccountController {
  @Post('login')
  @HttpCode(200)
  @AllowAnonymous()
  @UseGuards(SessionGuard)
  async login(@Body() body: { user: string; role?: string }, @CurrentSession() session: Session<AppData>) {
    await session.regenerate({ userId: body.user });
    if (body.role) session.set('role', body.role);
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@CurrentSession() session: Session<AppData>) {
    return { user: session.userId };
  }
}

/** An operator signs in like anyone else; the role in the session makes the operator. */
@Injectable()
class OperatorGuard extends SessionGuard {
  protected override onSession(session: Session<AppData>): boolean {
    return session.get('role') === 'operator';
  }
}

const refuseAll: CanActivate = { canActivate: () => false };

export interface AdminAppSetup {
  /** Default: the admin key guard. */
  admin?: Partial<SessionAdminOptions>;
  session?: Partial<SessionModuleOptions>;
  /** How the admin module reaches SessionModule: global (default), in its `imports`, or not at all. */
  sessionModule?: 'global' | 'imported' | 'missing';
}

export const ADMIN_KEY = 'open sesame';

/** An admin key in a header: no session, so the store calls counted are the admin routes' own. */
@Injectable()
class AdminKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers['x-admin-key'] === ADMIN_KEY;
  }
}

const userPath = (userId: string) => `/admin/sessions/users/${encodeURIComponent(userId)}`;
export const handleOf = (cookie: string) => storeKeyOf(cookie.slice(4, 47));

/** Signing in, and the admin routes with the admin key, on one app. */
export function adminClient(app: INestApplication) {
  const http = () => request(app.getHttpServer() as never);
  return {
    app,
    http,
    userPath,
    async login(user: string, agent = LAPTOP, role?: string): Promise<string> {
      const res = await http().post('/login').set('User-Agent', agent).send({ user, role });
      expect(res.status).toBe(200);
      return cookiePair(res.headers['set-cookie']) as string;
    },
    me: (cookie: string) => http().get('/me').set('Cookie', cookie),
    list: (userId: string) => http().get(userPath(userId)).set('X-Admin-Key', ADMIN_KEY),
    revoke: (handle: string) => http().delete(`/admin/sessions/${handle}`).set('X-Admin-Key', ADMIN_KEY),
    revokeAll: (userId: string) => http().delete(userPath(userId)).set('X-Admin-Key', ADMIN_KEY),
  };
}
export type AdminClient = ReturnType<typeof adminClient>;

/** A real app with sign-in routes and the admin routes, on a clock the test moves. */
export async function startAdminApp(
  adapter: AdapterName,
  { admin = { guard: AdminKeyGuard }, session = {}, sessionModule = 'global' }: AdminAppSetup = {},
): Promise<AdminClient & { clock: TestClock }> {
  const clock = testClock();
  const sessions = SessionModule.forRoot({
    secrets: [SECRET],
    cookie: { secure: false },
    captureClient: true,
    clock: clock.now,
    isGlobal: sessionModule === 'global',
    ...session,
  });
  const adminOptions = { ...admin, ...(sessionModule === 'imported' ? { imports: [sessions] } : {}) } as SessionAdminOptions;
  @Module({ imports: [sessions, SessionAdminModule.register(adminOptions)], controllers: [AccountController] })
  class AppModule {}
  return { ...adminClient(await startNestApp(AppModule, adapter)), clock };
}

/**
 * `SessionAdminModule` in a real app on Express and Fastify against one store: what the admin
 * routes answer, what they cost in store calls, and that they never run without the app's guard.
 */
export function describeSessionAdmin(name: string, open: () => Promise<StoreTarget>): void {
  describe.each(ADAPTERS)(`the admin API on %s with the ${name} store`, (adapter: AdapterName) => {
    const apps: INestApplication[] = [];
    const stores = useCountedStore(open, async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
    });
    // Each test its own users, and each run: the store outlives the app, a Redis server the spec.
    const stamp = Date.now();
    let run = 0;
    const userOf = (who: string) => `${who}-${adapter}-${stamp}-${run}`;
    beforeEach(() => {
      run += 1;
    });

    async function start(setup: AdminAppSetup = {}) {
      const started = await startAdminApp(adapter, { ...setup, session: { store: stores.counting.store, ...setup.session } });
      apps.push(started.app);
      return started;
    }

    describe('at boot', () => {
      it('refuses to register the routes without a guard, naming the option', async () => {
        const boot = start({ admin: {} });
        await expect(boot).rejects.toBeInstanceOf(SessionConfigError);
        await expect(boot).rejects.toThrow(/SessionAdminModule\.guard: is required: the app's own guard that admits only operators/);
      });

      it('refuses SessionGuard itself, which admits every signed-in user, and a path with parameters', async () => {
        const boot = start({ admin: { guard: SessionGuard, path: 'admin/:anything' } });
        await expect(boot).rejects.toThrow(/SessionAdminModule\.guard: SessionGuard admits every signed-in user/);
        await expect(boot).rejects.toThrow(/SessionAdminModule\.path: must be one or more plain path segments/);
      });

      it('says how to reach a SessionModule that is neither global nor imported, and works once it is imported', async () => {
        await expect(start({ sessionModule: 'missing' })).rejects.toThrow(/SessionAdminModule\.imports: SessionModule is not visible here/);
        const admin = await start({ sessionModule: 'imported' });
        await admin.login(userOf('alice'));
        expect((await admin.list(userOf('alice'))).body.count).toBe(1);
      });
    });

    it("answers 403 on every route when the app's guard refuses, without touching the store", async () => {
      const admin = await start({ admin: { guard: refuseAll } });
      const alice = userOf('alice');
      const cookie = await admin.login(alice);
      stores.counting.reset();
      expect((await admin.list(alice).set('Cookie', cookie)).status).toBe(403);
      expect((await admin.revokeAll(alice).set('Cookie', cookie)).status).toBe(403);
      expect((await admin.revoke(handleOf(cookie)).set('Cookie', cookie)).status).toBe(403);
      expect(stores.counting.calls).toEqual(NO_CALLS);
      expect((await admin.me(cookie)).status).toBe(200);
    });

    it("lists a user's sessions with their clients, count and activity, for one index read and no write", async () => {
      const admin = await start();
      const alice = userOf('alice@example.com');
      const laptop = await admin.login(alice, LAPTOP);
      admin.clock.advance(MINUTE);
      const phone = await admin.login(alice, PHONE);
      await admin.login(userOf('bob'));
      stores.counting.reset();

      const res = await admin.list(alice);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(stores.counting.calls).toEqual({ ...NO_CALLS, findByUser: 1 });
      const times = { createdAt: expect.any(String), lastSeenAt: expect.any(String), expiresAt: expect.any(String) };
      const ip = expect.stringMatching(/127\.0\.0\.1/);
      expect(res.body).toEqual({
        userId: alice,
        count: 2,
        sessions: [
          { handle: handleOf(phone), ...times, active: true, userAgent: PHONE, ip },
          { handle: handleOf(laptop), ...times, active: true, userAgent: LAPTOP, ip },
        ],
      });
      // No raw session ID, no cookie: the handles are their hashes.
      for (const cookie of [laptop, phone]) expect(res.text).not.toContain(cookie.slice(4, 47));

      stores.counting.reset();
      expect(await admin.app.get(SessionService).count(alice)).toBe(2);
      expect(stores.counting.calls).toEqual({ ...NO_CALLS, findByUser: 1 });
      expect((await admin.list(userOf('nobody'))).body).toEqual({ userId: userOf('nobody'), count: 0, sessions: [] });
    });

    it('marks a session active while it is used, and not once it has been idle past touchInterval + 5 minutes', async () => {
      const admin = await start({ session: { touchInterval: MINUTE, idleTimeout: 30 * MINUTE } });
      const alice = userOf('alice');
      const laptop = await admin.login(alice);
      const active = async () => ((await admin.list(alice)).body.sessions[0] as { active: boolean }).active;
      admin.clock.advance(5 * MINUTE);
      expect(await active()).toBe(true);
      admin.clock.advance(MINUTE + 1);
      expect(await active()).toBe(false);
      // One request refreshes it (a touch is due), and it is active again.
      expect((await admin.me(laptop)).status).toBe(200);
      expect(await active()).toBe(true);
    });

    it('leaves out the client when captureClient is off', async () => {
      const admin = await start({ session: { captureClient: false } });
      const alice = userOf('alice');
      await admin.login(alice);
      const [session] = (await admin.list(alice)).body.sessions as Array<Record<string, unknown>>;
      expect(Object.keys(session ?? {}).sort()).toEqual(['active', 'createdAt', 'expiresAt', 'handle', 'lastSeenAt']);
    });

    it('ends one session by its handle for one store delete, and closes its sockets on this instance', async () => {
      const admin = await start();
      const alice = userOf('alice');
      const laptop = await admin.login(alice);
      const phone = await admin.login(alice, PHONE);
      let closed = 0;
      admin.app.get(SessionManager).watch(handleOf(phone), () => closed++);
      stores.counting.reset();

      expect((await admin.revoke(handleOf(phone))).status).toBe(204);
      expect(stores.counting.calls).toEqual({ ...NO_CALLS, delete: 1 });
      expect(closed).toBe(1);
      expect((await admin.me(phone)).status).toBe(401);
      expect((await admin.me(laptop)).status).toBe(200);
      // Gone either way: a repeat, or a handle of no session, gets the same answer.
      expect((await admin.revoke(handleOf(phone))).status).toBe(204);
    });

    it('answers 400 to a handle of the wrong length or characters, without a store call', async () => {
      const admin = await start();
      const cookie = await admin.login(userOf('alice'));
      const handle = handleOf(cookie);
      stores.counting.reset();
      for (const bad of ['abc', `${handle}A`, `${handle.slice(1)}%2F`, cookie.slice(4)]) {
        const res = await admin.revoke(bad);
        expect(res.status).toBe(400);
        expect(res.body.message).toBe('Not a session handle');
      }
      // Fastify refuses any parameter over its maxParamLength (100) itself.
      expect((await admin.list('u'.repeat(1025))).status).toBe(adapter === 'fastify' ? 414 : 400);
      expect(stores.counting.calls).toEqual(NO_CALLS);
      expect((await admin.me(cookie)).status).toBe(200);
    });

    it("ends all of a user's sessions and says how many, for one index read and a delete each", async () => {
      const admin = await start();
      const alice = userOf('alice');
      const devices = [await admin.login(alice), await admin.login(alice, PHONE), await admin.login(alice)];
      const other = await admin.login(userOf('bob'));
      stores.counting.reset();

      const res = await admin.revokeAll(alice);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ revoked: 3 });
      expect(stores.counting.calls).toEqual({ ...NO_CALLS, findByUser: 1, delete: 3 });
      for (const cookie of devices) expect((await admin.me(cookie)).status).toBe(401);
      expect((await admin.me(other)).status).toBe(200);
      expect((await admin.revokeAll(alice)).body).toEqual({ revoked: 0 });
    });

    it('mounts the routes at the given path only', async () => {
      const admin = await start({ admin: { guard: AdminKeyGuard, path: '/ops/sessions/' } });
      const alice = userOf('alice');
      await admin.login(alice);
      expect((await admin.http().get(`/ops/sessions/users/${alice}`).set('X-Admin-Key', ADMIN_KEY)).body.count).toBe(1);
      expect((await admin.list(alice)).status).toBe(404);
    });

    it('answers 503 with Retry-After when the store fails', async () => {
      const admin = await start({ session: { retryAfter: 9 } });
      stores.counting.before.findByUser = () => {
        throw new Error('connection refused');
      };
      const res = await admin.list(userOf('alice'));
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('9');
    });

    it("refuses a cross-site DELETE with 403 before the app's guard runs, whatever that guard reads", async () => {
      let guarded = 0;
      const admin = await start({ admin: { guard: { canActivate: () => ++guarded > 0 } } });
      const alice = userOf('alice');
      const victim = await admin.login(alice);
      stores.counting.reset();
      const forged = await admin.http().delete(admin.userPath(alice)).set('Cookie', 'admin=yes').set('Origin', 'https://evil.example');
      expect(forged.status).toBe(403);
      expect(forged.body.message).toBe('Cross-origin request refused');
      expect(guarded).toBe(0);
      expect(stores.counting.calls).toEqual(NO_CALLS);
      // A safe method is not checked: GET changes nothing.
      expect((await admin.http().get(admin.userPath(alice)).set('Sec-Fetch-Site', 'cross-site')).status).toBe(200);
      expect(guarded).toBe(1);
      expect((await admin.me(victim)).status).toBe(200);
    });

    describe('behind a guard that reads the operator from the session cookie', () => {
      it('lets the operator in, and refuses another signed-in user with 403', async () => {
        const admin = await start({ admin: { guard: OperatorGuard } });
        const alice = userOf('alice');
        await admin.login(alice);
        const operator = await admin.login(userOf('olga'), LAPTOP, 'operator');
        const member = await admin.login(userOf('mallory'), LAPTOP, 'member');
        const list = await admin.http().get(admin.userPath(alice)).set('Cookie', operator);
        expect(list.status).toBe(200);
        expect(list.body.count).toBe(1);
        stores.counting.reset();
        expect((await admin.http().delete(admin.userPath(alice)).set('Cookie', member)).status).toBe(403);
        // The member's own session read, nothing of alice's.
        expect(stores.counting.calls).toEqual({ ...NO_CALLS, get: 1 });
      });

      it("refuses a cross-site DELETE riding the operator's cookie with 403, before the guard reads the store", async () => {
        const admin = await start({ admin: { guard: OperatorGuard } });
        const alice = userOf('alice');
        const victim = await admin.login(alice);
        const operator = await admin.login(userOf('olga'), LAPTOP, 'operator');
        stores.counting.reset();
        for (const headers of [{ 'Sec-Fetch-Site': 'cross-site' }, { Origin: 'https://evil.example' }]) {
          const all = await admin.http().delete(admin.userPath(alice)).set('Cookie', operator).set(headers);
          expect(all.status).toBe(403);
          expect(all.body.message).toMatch(/^Cross-(site|origin) request refused$/);
          const one = await admin.http().delete(`/admin/sessions/${handleOf(victim)}`).set('Cookie', operator).set(headers);
          expect(one.status).toBe(403);
        }
        expect(stores.counting.calls).toEqual(NO_CALLS);
        expect((await admin.me(victim)).status).toBe(200);
        // The operator's own admin page, same origin, goes through.
        const same = await admin.http().delete(admin.userPath(alice)).set('Cookie', operator).set('Sec-Fetch-Site', 'same-origin');
        expect(same.body).toEqual({ revoked: 1 });
      });
    });
  });
}
