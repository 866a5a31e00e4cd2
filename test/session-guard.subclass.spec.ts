import { Body, Controller, Get, HttpCode, Injectable, Module, Post, UseGuards } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllowAnonymous, CurrentSession, MemoryStore, type Session, SessionGuard, SessionModule } from '../src/index.js';
import { type CountingStore, countingStore } from './support/counting-store.js';
import { startNestApp } from './support/nest-app.js';
import { ADAPTERS, type AdapterName, SECRET, cookiePair } from './support/test-app.js';

/** A subclass with a check of its own, behind a plain SessionGuard on the same route. */
@Injectable()
class AliceOnlyGuard extends SessionGuard {
  protected override onSession(session: Session<any>): boolean {
    return session.userId === 'alice';
  }
}

@Controller()
@UseGuards(SessionGuard, AliceOnlyGuard)
class GuardedController {
  @Post('login')
  @HttpCode(200)
  @AllowAnonymous()
  async login(@Body() body: { user: string }, @CurrentSession() session: Session) {
    await session.regenerate({ userId: body.user });
  }

  @Get('alice-only')
  aliceOnly() {
    return { ok: true };
  }
}

describe.each(ADAPTERS)('a SessionGuard subclass after a plain SessionGuard on %s', (adapter: AdapterName) => {
  let counting: CountingStore;
  let server: unknown;
  let close: () => Promise<void>;

  beforeAll(async () => {
    counting = countingStore(new MemoryStore());
    @Module({
      imports: [SessionModule.forRoot({ secrets: [SECRET], cookie: { secure: false }, store: counting.store })],
      controllers: [GuardedController],
      providers: [AliceOnlyGuard],
    })
    class GuardedModule {}
    const app = await startNestApp(GuardedModule, adapter);
    server = app.getHttpServer();
    close = () => app.close();
  });
  afterAll(() => close());

  const login = async (user: string) =>
    cookiePair((await request(server as never).post('/login').send({ user })).headers['set-cookie']) as string;

  it('applies its own onSession to the session the first guard loaded, with one store read', async () => {
    const bob = await login('bob');
    const alice = await login('alice');
    counting.reset();
    expect((await request(server as never).get('/alice-only').set('Cookie', bob)).status).toBe(403);
    expect((await request(server as never).get('/alice-only').set('Cookie', alice)).status).toBe(200);
    expect(counting.calls.get).toBe(2);
  });
});
