import {
  BadRequestException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';

/** The store failed or did not answer within `storeTimeout`. Sent as 503 with `Retry-After`. */
export class SessionStoreUnavailableError extends ServiceUnavailableException {
  constructor() {
    super('Session store unavailable, please retry');
  }
}

/** A value that is not plain JSON, or a key that could pollute prototypes. Sent as 400. */
export class InvalidSessionDataError extends BadRequestException {}

/** The session data would exceed `maxSize`. Sent as 413; nothing is written. */
export class SessionDataTooLargeError extends PayloadTooLargeException {
  constructor(size: number, maxSize: number) {
    super(`Session data of ${size} bytes exceeds the limit of ${maxSize} bytes`);
  }
}

/** The session ended (expired, signed out elsewhere) while the request ran; nothing was written. */
export class SessionEndedError extends UnauthorizedException {
  constructor() {
    super('Session ended');
  }
}

/**
 * The session operation needs to send the client a new token, and this context has no response
 * to carry it: a WebSocket message or a GraphQL subscription. An application bug, not bad input.
 */
export class SessionTokenUnavailableError extends Error {
  constructor(operation: string) {
    super(
      `${operation} sends the client a new session token, and a WebSocket message or GraphQL subscription has no response to carry it; call it from an HTTP route, query or mutation`,
    );
    this.name = 'SessionTokenUnavailableError';
  }
}
