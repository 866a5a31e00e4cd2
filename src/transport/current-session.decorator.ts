import { type ExecutionContext, ForbiddenException, createParamDecorator } from '@nestjs/common';
import { SESSION_MANAGER_REQUEST_KEY, SESSION_REQUEST_KEY } from '../session.constants.js';
import { sessionHostOf } from './execution-context.js';

/**
 * The call's session, or one key of it with `@CurrentSession('cart')`, in HTTP routes, GraphQL
 * resolvers and WebSocket handlers. On a route or resolver without `SessionGuard` it is a blank
 * session that is stored once it holds data (a login); a WebSocket handler needs the guard.
 */
export const CurrentSession = createParamDecorator((key: string | undefined, context: ExecutionContext) => {
  const host = sessionHostOf(context);
  if (!host) throw new Error(`@CurrentSession() cannot read a session in a "${context.getType()}" context`);
  let session = host.holder[SESSION_REQUEST_KEY];
  if (!session) {
    if (host.kind === 'socket') {
      throw new Error('@CurrentSession() in a WebSocket gateway needs SessionGuard on the gateway or the handler');
    }
    const manager = host.holder[SESSION_MANAGER_REQUEST_KEY];
    if (!manager) throw new Error('@CurrentSession() needs SessionModule imported in the application');
    const tokenless = host.response === undefined;
    const refusal = tokenless ? undefined : manager.crossSiteRefusal(host.request);
    if (refusal) throw new ForbiddenException(refusal);
    session = host.holder[SESSION_REQUEST_KEY] = manager.fresh(manager.carrier.channelAskedFor(host.request), false, tokenless);
  }
  return key === undefined ? session : session.get(key);
});
