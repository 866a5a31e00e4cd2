import type { CircuitBreakerOptions } from './circuit-breaker.options.js';
import type { DynamoDbStoreOptions } from '../stores/dynamodb/dynamodb-store.options.js';
import type { MigrateFromOptions } from '../migration/express-session-migration.options.js';
import type { RedisStoreOptions } from '../stores/redis/redis-store.options.js';
import type { SessionStore } from '../stores/session-store.interface.js';

export type SameSite = 'strict' | 'lax' | 'none';
export type SessionTransport = 'cookie' | 'header' | 'both';

export interface SessionCookieOptions {
  /**
   * Default `__Host-sid` when `secure` (`__Secure-sid` when a domain or path is set), `sid` for
   * plain-HTTP development. A `__Host-` cookie cannot be set or shadowed by a sibling subdomain.
   * A `__Host-` name requires `secure`, path `/` and no domain.
   */
  name?: string;
  domain?: string;
  /** Default `/`. */
  path?: string;
  /** Default `lax`. */
  sameSite?: SameSite;
  /** Default true. Turn off only for plain-HTTP development. */
  secure?: boolean;
  /**
   * Default false: a browser-session cookie, gone when the browser closes. When true the cookie
   * carries `Max-Age` up to the absolute timeout.
   */
  persistent?: boolean;
}

export interface MemoryStoreOptions {
  type: 'memory';
  /**
   * Upper bound on live sessions. Default 10,000. Beyond it the least recently used session
   * without a user is evicted; signed-in sessions make room only for other signed-in ones.
   */
  maxSessions?: number;
}

export type SessionStoreOption =
  | 'memory'
  | MemoryStoreOptions
  | RedisStoreOptions
  | DynamoDbStoreOptions
  | SessionStore;

export interface CsrfOptions {
  /**
   * Origins besides the request's own host whose pages may send unsafe requests with the
   * session cookie, as `https://app.example.com`. Needed behind a proxy that rewrites `Host`.
   */
  allowedOrigins?: string[];
}

export interface ExpressCompatibleOptions {
  /**
   * The session's user, from its data, read each time the data is written through `req.session`.
   * Default: passport's `passport.user` when it is a string or a finite number, else null.
   */
  userId?: (data: Record<string, unknown>) => string | null | undefined;
}

export interface SessionModuleOptions {
  /** Signing secrets, each at least 32 characters. The first signs; all verify. */
  secrets: string[];
  /** Default `'memory'`. */
  store?: SessionStoreOption;
  cookie?: SessionCookieOptions;
  /** Where the token travels: `cookie` (default), `header` (API and mobile clients) or `both`. */
  transport?: SessionTransport;
  /** Request and response header for the `header` transport. Default `x-session-token`. */
  headerName?: string;
  /** Milliseconds without a refresh after which a session ends. Default 30 minutes. */
  idleTimeout?: number;
  /** Milliseconds after creation after which a session ends whatever its activity. Default 12 hours. */
  absoluteTimeout?: number;
  /**
   * Milliseconds since the last refresh before a read writes a new idle deadline. Default 1 minute.
   * Larger values save writes; the idle timeout then ends between `idleTimeout - touchInterval`
   * and `idleTimeout` after the last request.
   */
  touchInterval?: number;
  /** Largest session data in bytes of JSON. Default 16 KiB. */
  maxSize?: number;
  /**
   * Milliseconds without a refresh after which a session without a user ends. Default 5 minutes,
   * or `idleTimeout` if shorter. Anyone can create such sessions, so they should not last long;
   * they are refreshed after `touchInterval` or half this, whichever is shorter.
   */
  anonymousIdleTimeout?: number;
  /** Largest data of a session without a user, in bytes of JSON. Default 4 KiB, or `maxSize` if smaller. */
  anonymousMaxSize?: number;
  /** Milliseconds a store call may take before the request gets a 503. Default 1000. */
  storeTimeout?: number;
  /**
   * After `failures` store calls in a row fail or time out, with no call answered for half of
   * `storeTimeout`, answer 503 at once, without waiting for the store, for up to `openFor` ms;
   * then let one call through as a probe, and serve again as soon as the store answers. On by
   * default (`{ failures: 5, openFor: 1000 }`); `false` turns it off, and every request then
   * waits up to `storeTimeout` during an outage.
   */
  circuitBreaker?: CircuitBreakerOptions | boolean;
  /** Seconds sent in `Retry-After` with a 503. Default 5. */
  retryAfter?: number;
  /**
   * Default false. Store the user agent and IP address of the client that starts a session, and
   * show them in session lists ("your devices"). Both are personal data: say so in your privacy notice.
   */
  captureClient?: boolean;
  /**
   * Request forgery protection for unsafe methods (POST, PUT, PATCH, DELETE, …) while the token
   * travels in a cookie: a request that a browser marks `Sec-Fetch-Site: cross-site`, or whose
   * `Origin` is neither the request's host nor allowed, is refused with 403; so is a WebSocket
   * handshake from another origin. Requests with neither header (non-browser clients) pass.
   * On by default; `false` turns it off.
   */
  csrf?: CsrfOptions | false;
  /**
   * Default false. With `sessionMiddleware(app)` in `main.ts`, puts an express-session-shaped view
   * of the session on `request.session` (and `request.sessionID`) for passport, csrf-sync and the
   * like; the session's user follows passport's `passport.user`, or what `userId` returns.
   */
  expressCompatible?: boolean | ExpressCompatibleOptions;
  /** The clock, in epoch milliseconds. Replace it in tests to move time. */
  clock?: () => number;
  /**
   * Moves the sessions of an app that used express-session into this module as their users come
   * back, so that switching signs nobody out. See docs/migrating-from-express-session.md.
   */
  migrateFrom?: MigrateFromOptions;
  /**
   * Metrics and traces through `@opentelemetry/api`, to whatever SDK the app registers before it
   * creates the Nest app. Default: on when `@opentelemetry/api` is installed; without it the
   * module does no telemetry work at all. `false` turns it off; `true` stops the boot when the
   * API is missing. See "Metrics and traces" in the README.
   */
  telemetry?: boolean;
}
