import {
  Body,
  type CanActivate,
  Controller,
  type ExecutionContext,
  ForbiddenException,
  Get,
  HttpCode,
  type INestApplication,
  Injectable,
  Module,
  Param,
  Post,
  Put,
  Req,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { AuthGuard, PassportModule, PassportSerializer, PassportStrategy } from '@nestjs/passport';
import { csrfSync } from 'csrf-sync';
import passport from 'passport';
import { Strategy } from 'passport-local';
import {
  CurrentSession,
  type ExpressSession,
  type Session,
  SessionGuard,
  SessionModule,
  type SessionModuleOptions,
  SessionService,
  sessionMiddleware,
} from '../../src/index.js';
import { startNestApp, testClock } from '../support/nest-app.js';
import { type AdapterName, SECRET } from '../support/test-app.js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface User {
  id: string;
  name: string;
  role: 'member' | 'admin';
}

const USERS: Record<string, User & { password: string }> = {
  alice: { id: 'alice', name: 'Alice', role: 'admin', password: 'alice-password' },
  bob: { id: 'bob', name: 'Bob', role: 'member', password: 'bob-password' },
};

/** The request as passport and the express-compatible module leave it. */
interface PassportRequest {
  session: ExpressSession;
  sessionID: string;
  user?: User;
  logout(done: (error?: unknown) => void): void;
}

@Injectable()
class LocalStrategy extends PassportStrategy(Strategy) {
  validate(username: string, password: string): User {
    const found = USERS[username];
    if (!found || found.password !== password) throw new UnauthorizedException();
    return { id: found.id, name: found.name, role: found.role };
  }
}

/** passport keeps the user's ID in the session (`passport.user`) and reads the user back from it. */
@Injectable()
class SessionSerializer extends PassportSerializer {
  serializeUser(user: User, done: (error: unknown, id?: string) => void): void {
    done(null, user.id);
  }

  deserializeUser(id: string, done: (error: unknown, user?: User | false) => void): void {
    const found = USERS[id];
    done(null, found ? { id: found.id, name: found.name, role: found.role } : false);
  }
}

/** `AuthGuard('local')` that also starts the login session: passport regenerates it and saves the user. */
@Injectable()
class LocalAuthGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const result = (await super.canActivate(context)) as boolean;
    await super.logIn(context.switchToHttp().getRequest());
    return result;
  }
}

/** A subclass whose own check must run even when the session was loaded before any guard. */
@Injectable()
class AdminGuard extends SessionGuard {
  protected override onSession(session: Session<any>): boolean {
    return session.userId === 'alice';
  }
}

const csrf = csrfSync({
  getTokenFromRequest: (req) => (req.body as { _csrf?: string } | undefined)?._csrf ?? (req.headers['x-csrf-token'] as string),
});

/** csrf-sync's synchronizer token, kept in the session, checked on the form's POST. */
@Injectable()
class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (!csrf.isRequestValid(context.switchToHttp().getRequest())) throw new ForbiddenException('invalid csrf token');
    return true;
  }
}

@Controller()
class PassportController {
  constructor(private readonly sessions: SessionService) {}

  @Post('login')
  @HttpCode(200)
  @UseGuards(LocalAuthGuard)
  login(@Req() req: PassportRequest) {
    return { user: req.user?.id };
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@Req() req: PassportRequest, @CurrentSession() session: Session) {
    return { user: req.user?.id ?? null, sessionUser: session.userId, sessionID: req.sessionID, handle: session.handle };
  }

  @Get('admin')
  @UseGuards(AdminGuard)
  admin() {
    return { ok: true };
  }

  @Post('logout')
  @HttpCode(204)
  logout(@Req() req: PassportRequest): Promise<void> {
    return new Promise((resolve, reject) => req.logout((error) => (error ? reject(error) : resolve())));
  }

  @Get('sessions/:user')
  list(@Param('user') user: string) {
    return this.sessions.list(user);
  }

  /** No guard: the middleware loaded the session, and writes to it persist. */
  @Put('prefs')
  prefs(@Req() req: PassportRequest, @Body() body: Record<string, unknown>) {
    req.session['prefs'] = body;
    return { ok: true };
  }

  /** A nested mutation, as passport and connect-flash make: found when the session is written. */
  @Post('cart')
  @HttpCode(200)
  addToCart(@Req() req: PassportRequest, @Body() body: { item: string }) {
    const cart = (req.session['cart'] ??= { items: [] }) as { items: string[] };
    cart.items.push(body.item);
    return cart;
  }

  @Put('raw/:kind')
  raw(@Req() req: PassportRequest, @Param('kind') kind: string) {
    if (kind === 'date') req.session['when'] = new Date();
    if (kind === 'function') req.session['callback'] = () => 1;
    if (kind === 'proto') req.session['evil'] = JSON.parse('{"__proto__": {"polluted": true}}');
    if (kind === 'large') req.session['blob'] = 'x'.repeat(20_000);
    if (kind === 'undefined') req.session['prefs'] = undefined;
    if (kind === 'delete') delete req.session['cart'];
    return { ok: true };
  }

  @Get('open')
  open(@Req() req: PassportRequest) {
    return { prefs: req.session['prefs'] ?? null };
  }

  @Post('save')
  @HttpCode(200)
  save(@Req() req: PassportRequest): Promise<{ saved: boolean }> {
    req.session['saved'] = true;
    return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve({ saved: true }))));
  }

  @Post('reload')
  @HttpCode(200)
  reload(@Req() req: PassportRequest): Promise<unknown> {
    req.session['prefs'] = { dropped: true };
    return new Promise((resolve, reject) =>
      req.session.reload((error) => (error ? reject(error) : resolve({ prefs: req.session['prefs'] ?? null }))),
    );
  }

  @Post('destroy')
  @HttpCode(204)
  destroy(@Req() req: PassportRequest): Promise<void> {
    return new Promise((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
  }

  @Get('cookie')
  cookie(@Req() req: PassportRequest) {
    return req.session['cookie'];
  }

  /** Names another user without passport, and without regenerating. */
  @Put('impersonate/:user')
  impersonate(@Req() req: PassportRequest, @Param('user') user: string) {
    (req.session['passport'] as { user: string }).user = user;
    return { ok: true };
  }

  /** A privilege change through the Session API, on a session passport signed in. */
  @Post('promote')
  @HttpCode(200)
  @UseGuards(SessionGuard)
  async promote(@CurrentSession() session: Session) {
    await session.regenerate({ userId: 'carol' });
    return { user: session.userId };
  }

  @Get('form')
  form(@Req() req: PassportRequest) {
    return { csrfToken: csrf.generateToken(req as never) };
  }

  @Post('form')
  @HttpCode(200)
  @UseGuards(CsrfGuard)
  submit(@Body() body: { message: string }) {
    return { received: body.message };
  }
}

export interface PassportApp {
  app: INestApplication;
  server: unknown;
  advance(ms: number): void;
  close(): Promise<void>;
}

/**
 * An app set up as an express-session + passport app moves to this module: `sessionMiddleware`
 * where express-session was in main.ts, then `passport.initialize()` and `passport.session()`.
 */
export async function startPassportApp(
  options: Partial<SessionModuleOptions> = {},
  adapter: AdapterName = 'express',
  /** Replaces the wiring of main.ts below. */
  wire?: (app: INestApplication) => void,
): Promise<PassportApp> {
  const clock = testClock();
  @Module({
    imports: [
      SessionModule.forRoot({
        secrets: [SECRET],
        cookie: { secure: false },
        clock: clock.now,
        expressCompatible: true,
        ...options,
      }),
      PassportModule,
    ],
    controllers: [PassportController],
    providers: [LocalStrategy, SessionSerializer, AdminGuard],
  })
  class PassportAppModule {}

  const app = await startNestApp(PassportAppModule, adapter, {
    prepare: (nest) => {
      if (wire) {
        wire(nest);
      } else if (adapter === 'express') {
        nest.use(sessionMiddleware(nest));
        nest.use(passport.initialize());
        nest.use(passport.session());
      } else {
        const fastify = (nest as NestFastifyApplication).getHttpAdapter().getInstance();
        fastify.addHook('onRequest', sessionMiddleware(nest));
        fastify.addHook('onRequest', passport.initialize() as never);
        fastify.addHook('onRequest', passport.session() as never);
      }
    },
  });
  return { app, server: app.getHttpServer(), advance: clock.advance, close: () => app.close() };
}
