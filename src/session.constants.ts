export const ALLOW_ANONYMOUS_KEY = 'SESSION:ALLOW_ANONYMOUS';

/** Where the guard and the decorator keep the request's session on the request object. */
export const SESSION_REQUEST_KEY = Symbol('SESSION:REQUEST');
/** The store read of a call's session while it runs, so that guards of one GraphQL operation's fields share it. */
export const SESSION_LOAD_KEY = Symbol('SESSION:LOAD');
/** Set by the interceptor so that `@CurrentSession()` can start a session on unguarded routes. */
export const SESSION_MANAGER_REQUEST_KEY = Symbol('SESSION:MANAGER');

/** Where `SessionSocketAdapter` keeps the session a WebSocket connection opened with. */
export const SOCKET_SESSION_KEY = Symbol('SESSION:SOCKET');
/** Set on a GraphQL context when a driver hook writes the operation's session once, at its end. */
export const GRAPHQL_OPERATION_KEY = Symbol('SESSION:GRAPHQL_OPERATION');

/**
 * The store as the module calls it: the app's store, or with telemetry on a wrapper that times
 * and traces each call. `SessionStore` stays the store itself, for the app and the health check.
 */
export const STORE_IN_USE = Symbol('SESSION:STORE_IN_USE');

export const RESOLVED_SESSION_OPTIONS = Symbol('SESSION:RESOLVED_OPTIONS');

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export const DEFAULTS = {
  cookieName: 'sid',
  hostCookieName: '__Host-sid',
  secureCookieName: '__Secure-sid',
  headerName: 'x-session-token',
  idleTimeout: 30 * MINUTE,
  absoluteTimeout: 12 * HOUR,
  touchInterval: MINUTE,
  maxSize: 16 * 1024,
  anonymousIdleTimeout: 5 * MINUTE,
  anonymousMaxSize: 4 * 1024,
  storeTimeout: 1000,
  circuitBreakerFailures: 5,
  circuitBreakerOpenFor: 1000,
  // At most one line per this while a store keeps failing.
  storeFailureLogInterval: 10_000,
  retryAfter: 5,
  memoryMaxSessions: 10_000,
  minSecretLength: 32,
} as const;
