import { HttpException, HttpStatus } from '@nestjs/common';
import type { SessionHost } from './execution-context.js';
import { SessionTokenUnavailableError } from '../session/session.errors.js';

// The codes GraphQL clients already know (Apollo's, and the common `UNAUTHENTICATED`).
const GRAPHQL_CODES: Partial<Record<number, string>> = {
  [HttpStatus.BAD_REQUEST]: 'BAD_REQUEST',
  [HttpStatus.UNAUTHORIZED]: 'UNAUTHENTICATED',
  [HttpStatus.FORBIDDEN]: 'FORBIDDEN',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'PAYLOAD_TOO_LARGE',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'SERVICE_UNAVAILABLE',
};

/**
 * An error a GraphQL driver reports as it is: graphql-js copies `extensions` from the error a
 * resolver threw, and it is no HttpException, so drivers do not remap a 503 to
 * `INTERNAL_SERVER_ERROR`. Made here so that the module never imports `graphql`.
 */
class SessionGraphQLError extends Error {
  constructor(
    message: string,
    readonly extensions: { code: string; http: { status: number } },
  ) {
    super(message);
    this.name = 'SessionGraphQLError';
  }
}

let wsException: Promise<new (error: object) => Error> | undefined;

// Only a Nest app with gateways reaches here, so @nestjs/websockets is installed.
function loadWsException(): Promise<new (error: object) => Error> {
  wsException ??= import('@nestjs/websockets').then((m) => m.WsException);
  return wsException;
}

function messageOf(error: HttpException): string {
  const response = error.getResponse();
  const message = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
  return typeof message === 'string' ? message : error.message;
}

/**
 * Puts a session error the way the call's transport reports errors: HTTP exceptions as they are,
 * GraphQL errors with `extensions.code`, and WebSocket `exception` messages with a `code`.
 * Errors that are not the module's to translate pass through unchanged.
 */
export async function contextError(kind: SessionHost['kind'], error: unknown): Promise<unknown> {
  if (kind === 'http') return error;
  const known = error instanceof HttpException ? error : undefined;
  if (kind === 'graphql' || kind === 'subscription') {
    const code = known && GRAPHQL_CODES[known.getStatus()];
    return code && known ? new SessionGraphQLError(messageOf(known), { code, http: { status: known.getStatus() } }) : error;
  }
  if (known || error instanceof SessionTokenUnavailableError) {
    const WsException = await loadWsException();
    const message = known ? messageOf(known) : (error as Error).message;
    const code = (known && GRAPHQL_CODES[known.getStatus()]) ?? 'INTERNAL_SERVER_ERROR';
    return new WsException({ status: 'error', message, code });
  }
  return error;
}
