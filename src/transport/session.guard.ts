import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AllowAnonymous } from './allow-anonymous.decorator.js';
import { contextError } from './transport-errors.js';
import { SESSION_LOAD_KEY, SESSION_REQUEST_KEY, SOCKET_SESSION_KEY } from '../session.constants.js';
import type { Session } from '../session/session.js';
import { type SessionHost, sessionHostOf } from './execution-context.js';
import { type LoadResult, SessionManager } from '../session/session.manager.js';

/**
 * Loads the session of an HTTP request, a GraphQL operation or a WebSocket message, and refuses
 * the call without a valid one: 401 (GraphQL `UNAUTHENTICATED`), or 503 with `Retry-After`
 * (GraphQL `SERVICE_UNAVAILABLE`) when the store cannot answer. In a context it cannot read a
 * session from (microservices, any other transport) it refuses, unless `shouldSkip` says to
 * skip. Subclass it and override the protected hooks to change how calls are told apart or refused.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    protected readonly sessions: SessionManager,
    protected readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (await this.shouldSkip(context)) return true;
    const host = sessionHostOf(context);
    if (!host) throw this.unsupportedContext(context);
    try {
      return await this.activate(host, context);
    } catch (error) {
      this.sessions.carrier.retryLaterOn(host.response, error);
      throw await contextError(host.kind, error);
    }
  }

  private async activate(host: SessionHost, context: ExecutionContext): Promise<boolean> {
    const { holder } = host;
    // A second guard on the same call (global and per-route), or a session sessionMiddleware
    // loaded, reuses the store read; each guard still applies its own onSession (a subclass's
    // role check must not be skipped because a plain SessionGuard ran first).
    const known = holder[SESSION_REQUEST_KEY];
    if (known && !known.isNew) return this.onSession(known, context);
    if (host.kind === 'socket') return this.activateSocket(host.socket, holder, context);

    const { request, response } = host;
    const tokenless = response === undefined;
    const refusal = tokenless ? undefined : this.sessions.crossSiteRefusal(request);
    if (refusal) throw new ForbiddenException(refusal);
    // The fields of one GraphQL query resolve in parallel, each behind its guard: one store read serves them all.
    holder[SESSION_LOAD_KEY] ??= this.sessions.loadOrMigrate(request, tokenless, response);
    const result: LoadResult = await holder[SESSION_LOAD_KEY];
    if ('session' in result) {
      holder[SESSION_REQUEST_KEY] ??= result.session;
      return this.onSession(holder[SESSION_REQUEST_KEY], context);
    }
    if (this.isAnonymousAllowed(context)) {
      holder[SESSION_REQUEST_KEY] ??= this.sessions.freshAfter(result, request, tokenless);
      return true;
    }
    if (result.reason === 'invalid' && !tokenless) this.sessions.carrier.clear(response, result.via);
    this.sessions.telemetry?.refused(result.reason);
    return this.throwUnauthorized(context, result.reason);
  }

  private async activateSocket(
    socket: { [SOCKET_SESSION_KEY]?: { id: string; key: string } } | undefined,
    holder: SessionHost['holder'],
    context: ExecutionContext,
  ): Promise<boolean> {
    const opened = socket?.[SOCKET_SESSION_KEY];
    if (!opened) {
      throw new UnauthorizedException(
        'This WebSocket connection carries no session: register SessionSocketAdapter with app.useWebSocketAdapter()',
      );
    }
    const session = await this.sessions.loadSocket(opened);
    if (!session) {
      // The session ended elsewhere: this socket has nothing left to act as. It closes once the
      // refusal has reached the client.
      setImmediate(() => this.sessions.endSocket(opened.key));
      this.sessions.telemetry?.refused('expired');
      return this.throwUnauthorized(context, 'expired');
    }
    holder[SESSION_REQUEST_KEY] = session;
    return this.onSession(session, context);
  }

  /** Return true to let a call through without looking at its session. */
  protected async shouldSkip(_context: ExecutionContext): Promise<boolean> {
    return false;
  }

  /** Routes, resolvers and handlers marked `@AllowAnonymous()` run without a session. */
  protected isAnonymousAllowed(context: ExecutionContext): boolean {
    return (
      this.reflector.getAllAndOverride(AllowAnonymous, [context.getHandler(), context.getClass()]) === true
    );
  }

  /** Called with a valid session; return false to refuse the call (403), or throw. */
  protected onSession(_session: Session<any>, _context: ExecutionContext): boolean | Promise<boolean> {
    return true;
  }

  /** Refuses a call whose session is missing, invalid or expired. */
  protected throwUnauthorized(_context: ExecutionContext, _reason: 'missing' | 'invalid' | 'expired'): never {
    throw new UnauthorizedException('Session required');
  }

  private unsupportedContext(context: ExecutionContext): Error {
    return new UnauthorizedException(
      `SessionGuard cannot read a session in a "${context.getType()}" context and refuses the call. ` +
        'To let such calls through, extend SessionGuard and override shouldSkip(context) to return true for them; ' +
        'to authenticate them, override canActivate.',
    );
  }
}
