import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'node:http';
import { AllowAnonymous } from './allow-anonymous.decorator.js';
import { SESSION_REQUEST_KEY } from './session.constants.js';
import type { Session } from './session.js';
import { SessionStoreUnavailableError } from './session.errors.js';
import { type LoadResult, SessionManager } from './session.manager.js';

type SessionRequest = { headers: IncomingHttpHeaders; [SESSION_REQUEST_KEY]?: Session<any> };

/**
 * Loads the request's session and refuses the request without a valid one (401), or with 503
 * and `Retry-After` when the store cannot answer. Subclass it and override the protected hooks
 * to change how requests are told apart or refused.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    protected readonly sessions: SessionManager,
    protected readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || (await this.shouldSkip(context))) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<SessionRequest>();
    const response = http.getResponse<unknown>();
    // A second guard on the same request (global and per-route) reuses the first one's work.
    if (request[SESSION_REQUEST_KEY] && !request[SESSION_REQUEST_KEY].isNew) return true;

    let result: LoadResult;
    try {
      result = await this.sessions.load(request);
    } catch (error) {
      if (error instanceof SessionStoreUnavailableError) this.sessions.carrier.retryLater(response);
      throw error;
    }
    if ('session' in result) {
      request[SESSION_REQUEST_KEY] = result.session;
      return this.onSession(result.session, context);
    }
    const via = result.reason === 'missing' ? undefined : result.via;
    if (this.isAnonymousAllowed(context)) {
      request[SESSION_REQUEST_KEY] = this.sessions.fresh(via, via !== undefined);
      return true;
    }
    if (via !== undefined) this.sessions.carrier.clear(response, via);
    return this.throwUnauthorized(context, result.reason);
  }

  /** Return true to let a request through without looking at its session. */
  protected async shouldSkip(_context: ExecutionContext): Promise<boolean> {
    return false;
  }

  /** Routes marked `@AllowAnonymous()` run without a session. */
  protected isAnonymousAllowed(context: ExecutionContext): boolean {
    return (
      this.reflector.getAllAndOverride(AllowAnonymous, [context.getHandler(), context.getClass()]) === true
    );
  }

  /** Called with a valid session; return false to refuse the request (403), or throw. */
  protected onSession(_session: Session<any>, _context: ExecutionContext): boolean | Promise<boolean> {
    return true;
  }

  /** Refuses a request whose session is missing, invalid or expired. */
  protected throwUnauthorized(_context: ExecutionContext, _reason: 'missing' | 'invalid' | 'expired'): never {
    throw new UnauthorizedException('Session required');
  }
}
