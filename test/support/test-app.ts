import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  type INestApplication,
  Module,
  Param,
  Post,
  Put,
  UseGuards,
} from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  AllowAnonymous,
  CurrentSession,
  Session,
  SessionGuard,
  SessionModule,
  type SessionModuleOptions,
  SessionService,
} from '../../src/index.js';

export type AdapterName = 'express' | 'fastify';
export const ADAPTERS: AdapterName[] = ['express', 'fastify'];

export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
export const OLD_SECRET = 'old-secret-0123456789-abcdefghijklmnopq';

interface AppData {
  role?: string;
  [key: string]: unknown;
}

@Controller()
class TestController {
  constructor(private readonly sessions: SessionService) {}

  @Post('login')
  @HttpCode(200)
  @AllowAnonymous()
  @UseGuards(SessionGuard)
  async login(@Body() body: { user: string; keepData?: boolean }, @CurrentSession() session: Session<AppData>) {
    await session.regenerate({ userId: body.user, keepData: body.keepData });
    session.set('role', 'member');
    return { user: session.userId };
  }

  @Post('regenerate')
  @HttpCode(200)
  @UseGuards(SessionGuard)
  async regenerate(@CurrentSession() session: Session<AppData>) {
    await session.regenerate();
    return { ok: true };
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(SessionGuard)
  async logout(@CurrentSession() session: Session<AppData>) {
    await session.destroy();
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@CurrentSession() session: Session<AppData>) {
    return { user: session.userId, data: session.toJSON() };
  }

  @Get('public-profile')
  @Header('Cache-Control', 'public, max-age=60')
  @UseGuards(SessionGuard)
  publicProfile(@CurrentSession() session: Session<AppData>) {
    return { user: session.userId };
  }

  @Get('role')
  @UseGuards(SessionGuard)
  role(@CurrentSession('role') role: string | undefined) {
    return { role };
  }

  @Put('data/:key')
  @UseGuards(SessionGuard)
  set(@Param('key') key: string, @Body() body: { value: unknown }, @CurrentSession() session: Session<AppData>) {
    session.set(key, body.value);
    return { ok: true };
  }

  @Delete('data/:key')
  @UseGuards(SessionGuard)
  unset(@Param('key') key: string, @CurrentSession() session: Session<AppData>) {
    session.unset(key);
    return { ok: true };
  }

  @Get('sessions')
  @UseGuards(SessionGuard)
  list(@CurrentSession() session: Session<AppData>) {
    return session.list();
  }

  @Delete('sessions/:handle')
  @UseGuards(SessionGuard)
  async revoke(@Param('handle') handle: string, @CurrentSession() session: Session<AppData>) {
    return { revoked: await session.revoke(handle) };
  }

  @Post('sessions/revoke-others')
  @HttpCode(200)
  @UseGuards(SessionGuard)
  async revokeOthers(@CurrentSession() session: Session<AppData>) {
    return { revoked: await session.revokeOthers() };
  }

  @Post('admin/revoke-all/:user')
  @HttpCode(200)
  async revokeAll(@Param('user') user: string) {
    return { revoked: await this.sessions.revokeAll(user) };
  }

  @Post('visit')
  @HttpCode(200)
  visit(@CurrentSession() session: Session<AppData>) {
    session.set('visited', true);
    return { ok: true };
  }

  @Get('open')
  open() {
    return { ok: true };
  }
}

export interface TestApp {
  app: INestApplication;
  /** The server to hand to supertest. */
  server: unknown;
  /** Moves the module's clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** A real Nest app on the given adapter with the test routes above and these session options. */
export async function createTestApp(
  adapter: AdapterName,
  options: Partial<SessionModuleOptions> = {},
): Promise<TestApp> {
  let now = Date.now();
  @Module({
    imports: [
      SessionModule.forRoot({
        secrets: [SECRET],
        cookie: { secure: false },
        clock: () => now,
        ...options,
      }),
    ],
    controllers: [TestController],
  })
  class TestModule {}

  const moduleRef = await Test.createTestingModule({ imports: [TestModule] }).compile();
  const app =
    adapter === 'express'
      ? moduleRef.createNestApplication(new ExpressAdapter(), { logger: false })
      : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.init();
  if (adapter === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  return {
    app,
    server: app.getHttpServer(),
    advance: (ms) => {
      now += ms;
    },
    close: () => app.close(),
  };
}

/** The `name=value` pair of a Set-Cookie header, ready to send back in a Cookie header. */
export function cookiePair(setCookie: string[] | string | undefined, name = 'sid'): string | undefined {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = all.find((c) => c.startsWith(`${name}=`));
  return found?.split(';')[0];
}
