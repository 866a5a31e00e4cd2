import { isPositiveInteger } from './checks.js';
import { type ResolvedCircuitBreaker, circuitBreakerProblems, resolveCircuitBreaker } from './circuit-breaker.options.js';
import { DEFAULTS } from '../session.constants.js';
import { type ConfigProblem, SessionConfigError } from './session-config.error.js';
import { migrationProblems } from '../migration/express-session-migration.checks.js';
import type { MigrateFromOptions } from '../migration/express-session-migration.options.js';
import { passportUserId } from '../session/passport-user.js';
import type {
  SameSite,
  SessionModuleOptions,
  SessionStoreOption,
  SessionTransport,
} from './session-options.interface.js';

export interface ResolvedSessionOptions {
  secrets: string[];
  store: SessionStoreOption;
  cookie: {
    name: string;
    domain?: string;
    path: string;
    sameSite: SameSite;
    secure: boolean;
    persistent: boolean;
  };
  transport: SessionTransport;
  headerName: string;
  idleTimeout: number;
  absoluteTimeout: number;
  touchInterval: number;
  maxSize: number;
  anonymousIdleTimeout: number;
  anonymousMaxSize: number;
  storeTimeout: number;
  /** Undefined when the circuit breaker is off. */
  circuitBreaker: ResolvedCircuitBreaker | undefined;
  retryAfter: number;
  captureClient: boolean;
  /** Undefined when request forgery protection is off. */
  csrf: { allowedOrigins: ReadonlySet<string> } | undefined;
  clock: () => number;
  /** Undefined unless `req.session` is to be an express-session-shaped view. */
  expressCompatible: { userId: (data: Record<string, unknown>) => string | null | undefined } | undefined;
  migrateFrom: MigrateFromOptions | undefined;
  /** Undefined: on when `@opentelemetry/api` is installed. */
  telemetry: boolean | undefined;
}

function defaultCookieName(secure: boolean, domain: string | undefined, path: string): string {
  if (!secure) return DEFAULTS.cookieName;
  return domain === undefined && path === '/' ? DEFAULTS.hostCookieName : DEFAULTS.secureCookieName;
}

// RFC 9110 token characters: valid in both cookie names and header names.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const SAME_SITE: readonly string[] = ['strict', 'lax', 'none'];
const TRANSPORTS: readonly string[] = ['cookie', 'header', 'both'];
const STORE_TYPES: readonly string[] = ['memory', 'redis', 'dynamodb'];
const STORE_METHODS = ['get', 'create', 'update', 'delete', 'findByUser'] as const;

function isOrigin(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

// A default for sessions without a user never exceeds the limit of signed-in ones it shortens.
function anonymousDefault(fallback: number, signedIn: unknown): number {
  return isPositiveInteger(signedIn) ? Math.min(fallback, signedIn) : fallback;
}

function storeProblem(store: unknown): string | undefined {
  if (typeof store === 'string') {
    return store === 'memory'
      ? undefined
      : `unknown store "${store}"; use "memory", { type: "redis" }, { type: "dynamodb" } or a store instance`;
  }
  if (typeof store !== 'object' || store === null) return 'must be a store name, options or instance';
  const type = (store as { type?: unknown }).type;
  if (type !== undefined) {
    return STORE_TYPES.includes(type as string)
      ? undefined
      : `unknown store type "${String(type)}"; use memory, redis or dynamodb`;
  }
  const missing = STORE_METHODS.filter(
    (method) => typeof (store as Record<string, unknown>)[method] !== 'function',
  );
  return missing.length === 0
    ? undefined
    : `a store instance must implement SessionStore (missing ${missing.join(', ')})`;
}

/** Applies defaults and checks every option, throwing one error that lists all problems. */
export function resolveSessionOptions(options: SessionModuleOptions): ResolvedSessionOptions {
  const cookie = options.cookie ?? {};
  const secure = cookie.secure ?? true;
  const path = cookie.path ?? '/';
  const csrf = options.csrf ?? {};
  const allowedOrigins = csrf === false ? [] : (csrf.allowedOrigins ?? []);
  const idleTimeout = options.idleTimeout ?? DEFAULTS.idleTimeout;
  const maxSize = options.maxSize ?? DEFAULTS.maxSize;
  const compat = options.expressCompatible;
  const resolved: ResolvedSessionOptions = {
    secrets: options.secrets,
    store: options.store ?? 'memory',
    cookie: {
      name: cookie.name ?? defaultCookieName(secure, cookie.domain, path),
      domain: cookie.domain,
      path,
      sameSite: cookie.sameSite ?? 'lax',
      secure,
      persistent: cookie.persistent ?? false,
    },
    transport: options.transport ?? 'cookie',
    headerName: (options.headerName ?? DEFAULTS.headerName).toLowerCase(),
    idleTimeout,
    absoluteTimeout: options.absoluteTimeout ?? DEFAULTS.absoluteTimeout,
    touchInterval: options.touchInterval ?? DEFAULTS.touchInterval,
    maxSize,
    anonymousIdleTimeout: options.anonymousIdleTimeout ?? anonymousDefault(DEFAULTS.anonymousIdleTimeout, idleTimeout),
    anonymousMaxSize: options.anonymousMaxSize ?? anonymousDefault(DEFAULTS.anonymousMaxSize, maxSize),
    storeTimeout: options.storeTimeout ?? DEFAULTS.storeTimeout,
    circuitBreaker: resolveCircuitBreaker(options.circuitBreaker, options.storeTimeout ?? DEFAULTS.storeTimeout),
    retryAfter: options.retryAfter ?? DEFAULTS.retryAfter,
    captureClient: options.captureClient ?? false,
    csrf: csrf === false ? undefined : { allowedOrigins: new Set(allowedOrigins) },
    clock: options.clock ?? Date.now,
    expressCompatible: compat ? { userId: (compat === true ? undefined : compat.userId) ?? passportUserId } : undefined,
    migrateFrom: options.migrateFrom,
    telemetry: options.telemetry,
  };

  const problems: ConfigProblem[] = [];
  const problem = (name: string, reason: string) => problems.push({ name, reason });

  if (!Array.isArray(resolved.secrets) || resolved.secrets.length === 0) {
    problem('secrets', 'at least one secret is required');
  } else {
    resolved.secrets.forEach((secret, i) => {
      // `process.env.SESSION_SECRET!` of an unset variable lands here as undefined.
      if (typeof secret !== 'string' || secret === '') {
        problem(`secrets[${i}]`, 'is missing (undefined or empty); sessionConfig reads the secrets from SESSION_SECRETS');
      } else if (secret.length < DEFAULTS.minSecretLength) {
        problem(`secrets[${i}]`, `too short: each secret needs at least ${DEFAULTS.minSecretLength} characters`);
      }
    });
  }

  const storeReason = storeProblem(resolved.store);
  if (storeReason) problem('store', storeReason);

  const c = resolved.cookie;
  if (!TOKEN.test(c.name)) problem('cookie.name', `"${c.name}" is not a valid cookie name`);
  if (!SAME_SITE.includes(c.sameSite)) problem('cookie.sameSite', 'must be strict, lax or none');
  if (typeof c.path !== 'string' || !c.path.startsWith('/')) problem('cookie.path', 'must start with /');
  if (c.sameSite === 'none' && !c.secure) {
    problem('cookie.sameSite', 'SameSite=None requires secure: browsers reject it otherwise');
  }
  if (c.name.startsWith('__Host-')) {
    if (!c.secure) problem('cookie.secure', 'a __Host- cookie requires secure: true');
    if (c.path !== '/') problem('cookie.path', 'a __Host- cookie requires path "/"');
    if (c.domain !== undefined) problem('cookie.domain', 'a __Host- cookie must not set a domain');
  } else if (c.name.startsWith('__Secure-') && !c.secure) {
    problem('cookie.secure', 'a __Secure- cookie requires secure: true');
  }

  if (!Array.isArray(allowedOrigins)) {
    problem('csrf.allowedOrigins', 'must be an array of origins');
  } else {
    allowedOrigins.forEach((origin, i) => {
      if (!isOrigin(origin)) problem(`csrf.allowedOrigins[${i}]`, `"${String(origin)}" is not an origin like https://app.example.com`);
    });
  }

  if (!TRANSPORTS.includes(resolved.transport)) problem('transport', 'must be cookie, header or both');
  if (compat !== undefined && typeof compat !== 'boolean' && (typeof compat !== 'object' || compat === null)) {
    problem('expressCompatible', 'must be true, false or { userId }');
  } else if (typeof compat === 'object' && compat.userId !== undefined && typeof compat.userId !== 'function') {
    problem('expressCompatible.userId', 'must be a function from the session data to a user ID or null');
  }
  problems.push(...circuitBreakerProblems(options.circuitBreaker));
  problems.push(...migrationProblems(resolved.migrateFrom, resolved.cookie.name));
  if (resolved.migrateFrom !== undefined && resolved.transport === 'header') {
    problem('migrateFrom', "moves browsers' cookie sessions; with transport 'header' the new token would go in a header they do not keep");
  }
  if (resolved.telemetry !== undefined && typeof resolved.telemetry !== 'boolean') problem('telemetry', 'must be true or false');
  if (!TOKEN.test(resolved.headerName)) problem('headerName', `"${resolved.headerName}" is not a valid header name`);

  const positive = [
    'idleTimeout',
    'absoluteTimeout',
    'maxSize',
    'anonymousIdleTimeout',
    'anonymousMaxSize',
    'storeTimeout',
    'retryAfter',
  ] as const;
  const valid = new Set(positive.filter((name) => isPositiveInteger(resolved[name])));
  for (const name of positive) if (!valid.has(name)) problem(name, 'must be a positive integer');
  if (!Number.isInteger(resolved.touchInterval) || resolved.touchInterval < 0) {
    problem('touchInterval', 'must be an integer of 0 or more');
  } else if (resolved.touchInterval >= resolved.idleTimeout) {
    problem('touchInterval', 'must be shorter than idleTimeout, or sessions would expire while in use');
  }
  if (resolved.idleTimeout > resolved.absoluteTimeout) {
    problem('idleTimeout', 'must not exceed absoluteTimeout');
  }
  if (valid.has('idleTimeout') && valid.has('anonymousIdleTimeout') && resolved.anonymousIdleTimeout > resolved.idleTimeout) {
    problem('anonymousIdleTimeout', 'must not exceed idleTimeout: a session without a user should not outlive a signed-in one');
  }
  if (valid.has('maxSize') && valid.has('anonymousMaxSize') && resolved.anonymousMaxSize > resolved.maxSize) {
    problem('anonymousMaxSize', 'must not exceed maxSize');
  }

  if (problems.length > 0) throw new SessionConfigError(problems);
  return resolved;
}
