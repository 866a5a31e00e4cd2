import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import { SESSION_MANAGER_REQUEST_KEY, SESSION_REQUEST_KEY } from './session.constants.js';
import type { Session } from './session.js';
import type { SessionManager } from './session.manager.js';

type SessionRequest = { [SESSION_REQUEST_KEY]?: Session<any>; [SESSION_MANAGER_REQUEST_KEY]?: SessionManager };

/**
 * The request's session, or one key of it with `@CurrentSession('cart')`. On a route without
 * `SessionGuard` it is a blank session that is stored once it holds data (a login route).
 */
export const CurrentSession = createParamDecorator((key: string | undefined, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<SessionRequest>();
  let session = request[SESSION_REQUEST_KEY];
  if (!session) {
    const manager = request[SESSION_MANAGER_REQUEST_KEY];
    if (!manager) throw new Error('@CurrentSession() needs SessionModule imported in the application');
    session = request[SESSION_REQUEST_KEY] = manager.fresh();
  }
  return key === undefined ? session : session.get(key);
});
