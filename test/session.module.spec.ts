import { Controller, Get, Injectable, Logger, Module, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CurrentSession,
  MemoryStore,
  Session,
  SessionConfigError,
  SessionGuard,
  SessionModule,
  type SessionModuleOptions,
  SessionService,
  SessionStore,
  sessionConfig,
} from '../src/index.js';

const SECRET = 'module-secret-0123456789-abcdefghijk';

@Controller()
class PingController {
  @Get('ping')
  @UseGuards(SessionGuard)
  ping(@CurrentSession() session: Session) {
    return { user: session.userId };
  }
}

describe('SessionModule', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('provides the service, the guard and the store from forRoot', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ secrets: [SECRET] })],
    }).compile();
    expect(moduleRef.get(SessionService)).toBeInstanceOf(SessionService);
    expect(moduleRef.get(SessionGuard)).toBeInstanceOf(SessionGuard);
    expect(moduleRef.get(SessionStore)).toBeInstanceOf(MemoryStore);
    await moduleRef.close();
  });

  it('is usable from every module with isGlobal', async () => {
    @Module({ controllers: [PingController] })
    class FeatureModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ secrets: [SECRET], isGlobal: true }), FeatureModule],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect((await request(app.getHttpServer()).get('/ping')).status).toBe(401);
    await app.close();
  });

  it('reads its options from the environment through @nestjs/config', async () => {
    vi.stubEnv('SESSION_SECRETS', SECRET);
    vi.stubEnv('SESSION_COOKIE_NAME', 'env-sid');
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRootAsync(sessionConfig.asProvider())],
      controllers: [PingController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const store = moduleRef.get<MemoryStore>(SessionStore);
    expect(store).toBeInstanceOf(MemoryStore);
    expect((await request(app.getHttpServer()).get('/ping').set('Cookie', 'env-sid=x')).headers['set-cookie']?.[0]).toMatch(/^env-sid=;/);
    await app.close();
  });

  it('takes its options from a class with useClass', async () => {
    @Injectable()
    class SessionOptionsFactory {
      create(): SessionModuleOptions {
        return { secrets: [SECRET], idleTimeout: 5000, touchInterval: 1000 };
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRootAsync({ useClass: SessionOptionsFactory })],
    }).compile();
    expect(moduleRef.get(SessionService)).toBeInstanceOf(SessionService);
    await moduleRef.close();
  });

  it('stops the boot with every configuration problem in one error', async () => {
    const boot = Test.createTestingModule({
      imports: [SessionModule.forRoot({ secrets: ['short'], cookie: { name: '__Host-x', secure: false } })],
    }).compile();
    await expect(boot).rejects.toThrow(SessionConfigError);
    await expect(boot).rejects.toThrow(/secrets\[0\]: too short[\s\S]*cookie.secure: a __Host- cookie requires secure: true/);
  });

  it('closes the store it created on shutdown, and never a store the app handed in', async () => {
    const created = await Test.createTestingModule({ imports: [SessionModule.forRoot({ secrets: [SECRET] })] }).compile();
    const ownClose = vi.spyOn(created.get<MemoryStore>(SessionStore), 'close');
    await created.close();
    expect(ownClose).toHaveBeenCalledOnce();

    const appStore = new MemoryStore();
    const appClose = vi.spyOn(appStore, 'close');
    const handedIn = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ secrets: [SECRET], store: appStore })],
    }).compile();
    expect(handedIn.get(SessionStore)).toBe(appStore);
    await handedIn.close();
    expect(appClose).not.toHaveBeenCalled();
    await appStore.close();
  });

  it('warns at boot when the memory store runs in production', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({ imports: [SessionModule.forRoot({ secrets: [SECRET] })] }).compile();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('memory session store'));
    await moduleRef.close();
  });
});
