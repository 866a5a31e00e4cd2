import type { ExecutionContext } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders } from 'node:http';
import {
  GRAPHQL_OPERATION_KEY,
  SESSION_LOAD_KEY,
  SESSION_MANAGER_REQUEST_KEY,
  SESSION_REQUEST_KEY,
  SOCKET_SESSION_KEY,
} from '../session.constants.js';
import type { Session } from '../session/session.js';
import type { ClientRequest, LoadResult, SessionManager, SocketSession } from '../session/session.manager.js';
import { isObject } from '../config/checks.js';

/** Where one call keeps its session and the manager that made it. */
export interface SessionHolder {
  [SESSION_REQUEST_KEY]?: Session<any>;
  [SESSION_LOAD_KEY]?: Promise<LoadResult>;
  [SESSION_MANAGER_REQUEST_KEY]?: SessionManager;
  /** A driver hook writes this GraphQL operation's session once, when the operation ends. */
  [GRAPHQL_OPERATION_KEY]?: true;
}

/**
 * What the guard, the interceptor and `@CurrentSession()` need from an execution context, the
 * same for every transport the module knows.
 */
export type SessionHost =
  | {
      /** An HTTP route, a GraphQL operation over HTTP, or a GraphQL subscription over a WebSocket. */
      kind: 'http' | 'graphql' | 'subscription';
      /** The HTTP request for routes; the operation's context for GraphQL, shared by its resolvers. */
      holder: SessionHolder;
      /** Where the token is read from and the client described: a subscription's upgrade request. */
      request: ClientRequest;
      /** Where a new or cleared token is written; undefined when nothing can carry one. */
      response: unknown;
    }
  | {
      /** A WebSocket message: its session came with the connection. */
      kind: 'socket';
      holder: SessionHolder;
      request: undefined;
      response: undefined;
      /** The connection the message came on. */
      socket: SessionSocket | undefined;
    };

/** A WebSocket connection as `SessionSocketAdapter` leaves it: with the session it opened with. */
export interface SessionSocket {
  [SOCKET_SESSION_KEY]?: SocketSession;
}

type GraphQLContext = {
  req?: Partial<ClientRequest> & { res?: unknown; extra?: UpgradeExtra };
  res?: unknown;
  reply?: unknown;
  extra?: UpgradeExtra;
} & SessionHolder;

/** What graphql-ws hands a context factory: the upgrade request of the socket. */
type UpgradeExtra = { request?: { headers?: IncomingHttpHeaders } };

/**
 * The holder of the WebSocket message being handled. Nest hands a gateway's guards and
 * interceptors one arguments array per message, and its parameter decorators a copy, so the
 * interceptor runs the handler in this context for `@CurrentSession()` to find that message's session.
 */
export const socketMessage = new AsyncLocalStorage<SessionHolder>();

function hasHeaders<T>(value: T): value is T & ClientRequest {
  return isObject(value) && isObject(value.headers);
}

/**
 * Resolves an execution context, or returns undefined for one the module cannot read a session
 * from (microservices, unknown transports): the guard then refuses.
 */
export function sessionHostOf(context: ExecutionContext): SessionHost | undefined {
  switch (context.getType<string>()) {
    case 'http': {
      const http = context.switchToHttp();
      return { kind: 'http', holder: http.getRequest(), request: http.getRequest(), response: http.getResponse() };
    }
    case 'graphql':
      return graphqlHost(context.getArgByIndex(2));
    case 'ws':
      return {
        kind: 'socket',
        holder: socketMessage.getStore() ?? (context.getArgs<unknown[]>() as SessionHolder),
        request: undefined,
        response: undefined,
        socket: context.switchToWs().getClient(),
      };
    default:
      return undefined;
  }
}

/** The host of a GraphQL operation, from the context object its resolvers share. */
export function graphqlHost(context: unknown): SessionHost | undefined {
  if (!isObject(context)) return undefined;
  const ctx = context as GraphQLContext;
  // Nest's Apollo and Mercurius drivers put the HTTP request on `req`; Express requests know
  // their response, Mercurius puts Fastify's reply on the context.
  const req = ctx.req;
  if (hasHeaders(req)) return { kind: 'graphql', holder: ctx, request: req, response: ctx.res ?? ctx.reply ?? req.res };
  // A subscription over graphql-ws: Nest's drivers pass graphql-ws's context, alone or as `req`.
  const upgrade = ctx.extra?.request ?? req?.extra?.request;
  if (hasHeaders(upgrade)) return { kind: 'subscription', holder: ctx, request: upgrade, response: undefined };
  return undefined;
}
