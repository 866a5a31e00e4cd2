import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { type ClientRequest, SessionManager } from '../session/session.manager.js';

/**
 * The module's request forgery check (`csrf`), run on the admin routes before the app's own
 * guard: that guard may authenticate operators by the session cookie, and a DELETE that another
 * site makes an operator's browser send must not reach it. Same rule as `SessionGuard`'s, no
 * store access.
 */
@Injectable()
export class AdminForgeryGuard implements CanActivate {
  constructor(private readonly sessions: SessionManager) {}

  canActivate(context: ExecutionContext): boolean {
    const refusal = this.sessions.crossSiteRefusal(context.switchToHttp().getRequest<ClientRequest>());
    if (refusal) throw new ForbiddenException(refusal);
    return true;
  }
}
