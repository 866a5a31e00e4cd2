import { HttpException, type INestApplicationContext } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RESOLVED_SESSION_OPTIONS, SESSION_LOAD_KEY, SESSION_MANAGER_REQUEST_KEY, SESSION_REQUEST_KEY } from '../session.constants.js';
import type { ResolvedSessionOptions } from '../config/resolved-options.js';
import { SessionConfigError } from '../config/session-config.error.js';
import { SessionManager } from '../session/session.manager.js';
import { type SessionViewRequest, installSessionView, isSessionView, refusedSessionView } from './express-session.view.js';

/**
 * `(request, response, next)`: an Express middleware, and a Fastify `onRequest` hook (request,
 * reply, done) with the same signature.
 */
export type SessionMiddleware = (request: any, response: any, next: (error?: Error) => void) => void;

function sessionIdOf(this: SessionViewRequest): string | undefined {
  return (this.session as { id?: string } | undefined)?.id;
}

/**
 * What `express-session` was in `main.ts`, for `SessionModule.forRoot({ expressCompatible })`:
 * `app.use(sessionMiddleware(app))` loads the request's session before anything else reads
 * `req.session` (passport, csrf-sync), exactly as `SessionGuard` would (no store access for a
 * forged token, one read for a valid one, and `SessionGuard` then reads nothing again), and puts
 * its express-session-shaped view on `req.session` and `req.sessionID`. An unsafe request from
 * another site gets a view that refuses any use with 403, without a store read.
 */
export function sessionMiddleware(app: INestApplicationContext): SessionMiddleware {
  const options = app.get<ResolvedSessionOptions>(RESOLVED_SESSION_OPTIONS, { strict: false });
  if (!options.expressCompatible) {
    throw new SessionConfigError([
      { name: 'expressCompatible', reason: 'sessionMiddleware(app) needs SessionModule.forRoot({ expressCompatible: true })' },
    ]);
  }
  const { userId } = options.expressCompatible;
  const manager = app.get(SessionManager, { strict: false });
  const adapter = app.get(HttpAdapterHost, { strict: false }).httpAdapter;

  async function open(request: SessionViewRequest, response: unknown): Promise<void> {
    request[SESSION_MANAGER_REQUEST_KEY] = manager;
    Object.defineProperty(request, 'sessionID', { get: sessionIdOf, enumerable: true, configurable: true });
    const refusal = manager.crossSiteRefusal(request);
    if (refusal) {
      // Not loaded: SessionGuard and @CurrentSession() refuse the request on their own.
      request.session = refusedSessionView(refusal);
      return;
    }
    // As the guard loads: with migrateFrom, an old express-session cookie is moved here, before passport reads it.
    const loading = (request[SESSION_LOAD_KEY] = manager.loadOrMigrate(request, false, response));
    const result = await loading;
    const session = 'session' in result ? result.session : manager.freshAfter(result, request);
    request[SESSION_REQUEST_KEY] = session;
    installSessionView(request, response, session, manager, userId);
  }

  const fastify = adapter.getType() === 'fastify';

  return (request: SessionViewRequest & { raw?: unknown }, response: unknown, next: (error?: Error) => void) => {
    if (fastify && request.raw === undefined) {
      // app.use() on Fastify runs middleware on the raw Node request, which guards never see.
      return next(
        new Error("On Fastify, register sessionMiddleware(app) as a hook: app.getHttpAdapter().getInstance().addHook('onRequest', sessionMiddleware(app))"),
      );
    }
    if (isSessionView(request.session)) return next();
    if (request.session !== undefined) {
      return next(new Error('request.session is already set: remove express-session, which sessionMiddleware replaces'));
    }
    open(request, response).then(
      () => next(),
      (error: unknown) => {
        // Outside Nest's exception filters: answered here as Nest would (503 with Retry-After).
        if (!(error instanceof HttpException)) return next(error as Error);
        manager.carrier.retryLaterOn(response, error);
        adapter.reply(response, error.getResponse(), error.getStatus());
      },
    );
  };
}
