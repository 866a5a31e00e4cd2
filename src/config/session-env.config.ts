import { registerAs } from '@nestjs/config';
import { IsIn, IsNotEmpty, IsOptional, Matches, ValidateIf, validateSync } from 'class-validator';
import { resolveSessionOptions } from './resolved-options.js';
import { type ConfigProblem, SessionConfigError } from './session-config.error.js';
import type { SessionModuleOptions, SessionStoreOption } from './session-options.interface.js';

const INTEGER = /^\d+$/;
const BOOLEAN = ['true', 'false'];

/** The environment variables the module reads, as strings, checked by class-validator. */
export class SessionEnvironment {
  @IsOptional() @IsIn(['memory', 'redis', 'dynamodb'], { message: 'unknown store; use memory, redis or dynamodb' })
  SESSION_STORE?: string;

  @IsNotEmpty({ message: 'is required: one or more comma-separated secrets of at least 32 characters' })
  SESSION_SECRETS?: string;

  @IsOptional() SESSION_COOKIE_NAME?: string;
  @IsOptional() SESSION_COOKIE_DOMAIN?: string;
  @IsOptional() SESSION_COOKIE_PATH?: string;
  @IsOptional() @IsIn(['strict', 'lax', 'none'], { message: 'must be strict, lax or none' })
  SESSION_COOKIE_SAMESITE?: string;
  @IsOptional() @IsIn(BOOLEAN, { message: 'must be true or false' })
  SESSION_COOKIE_SECURE?: string;
  @IsOptional() @IsIn(BOOLEAN, { message: 'must be true or false' })
  SESSION_COOKIE_PERSISTENT?: string;

  @IsOptional() @IsIn(['cookie', 'header', 'both'], { message: 'must be cookie, header or both' })
  SESSION_TRANSPORT?: string;
  @IsOptional() SESSION_HEADER_NAME?: string;

  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of seconds' })
  SESSION_IDLE_TIMEOUT_SECONDS?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of seconds' })
  SESSION_ABSOLUTE_TIMEOUT_SECONDS?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of seconds' })
  SESSION_TOUCH_INTERVAL_SECONDS?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of bytes' })
  SESSION_MAX_SIZE_BYTES?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of seconds' })
  SESSION_ANONYMOUS_IDLE_TIMEOUT_SECONDS?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of bytes' })
  SESSION_ANONYMOUS_MAX_SIZE_BYTES?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of milliseconds' })
  SESSION_STORE_TIMEOUT_MS?: string;
  @IsOptional() @IsIn(BOOLEAN, { message: 'must be true or false: whether a failing store is answered 503 at once for a while' })
  SESSION_CIRCUIT_BREAKER?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of store calls' })
  SESSION_CIRCUIT_BREAKER_FAILURES?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of milliseconds' })
  SESSION_CIRCUIT_BREAKER_OPEN_MS?: string;

  @IsOptional() @IsIn(BOOLEAN, { message: 'must be true or false' })
  SESSION_CAPTURE_CLIENT?: string;

  @IsOptional() @IsIn(BOOLEAN, { message: 'must be true or false: whether cross-site unsafe requests are refused' })
  SESSION_CSRF?: string;
  @IsOptional() SESSION_CSRF_ALLOWED_ORIGINS?: string;

  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number' })
  SESSION_MEMORY_MAX_SESSIONS?: string;

  @ValidateIf((env: SessionEnvironment) => env.SESSION_STORE === 'redis' || env.SESSION_REDIS_URL !== undefined)
  @Matches(/^rediss?:\/\//, {
    message: ({ value }) =>
      value === undefined
        ? 'is required with SESSION_STORE=redis, as redis://host:port or rediss:// for TLS'
        : 'must start with redis:// or rediss:// (TLS), as redis://host:port',
  })
  SESSION_REDIS_URL?: string;
  @IsOptional() SESSION_REDIS_KEY_PREFIX?: string;
  @IsOptional() @IsIn(BOOLEAN, { message: 'must be true or false: whether SESSION_REDIS_URL is a Redis Cluster endpoint' })
  SESSION_REDIS_CLUSTER?: string;

  @ValidateIf((env: SessionEnvironment) => env.SESSION_STORE === 'dynamodb')
  @IsNotEmpty({ message: 'is required with SESSION_STORE=dynamodb: the table name' })
  SESSION_DYNAMODB_TABLE?: string;
  @IsOptional() SESSION_DYNAMODB_REGION?: string;
  @IsOptional() @Matches(/^https?:\/\//, { message: 'must be an http:// or https:// URL' })
  SESSION_DYNAMODB_ENDPOINT?: string;
  @IsOptional() @IsIn(BOOLEAN, { message: 'must be true or false: whether DynamoDB reads are strongly consistent' })
  SESSION_DYNAMODB_CONSISTENT_READ?: string;
  @IsOptional() @IsIn(BOOLEAN, { message: 'must be true or false: whether to create the table at startup (development only)' })
  SESSION_DYNAMODB_AUTO_CREATE_TABLE?: string;
}

// Which variable to blame when a cross-option check fails after the variables parsed.
const VARIABLE_OF_OPTION: Record<string, keyof SessionEnvironment> = {
  secrets: 'SESSION_SECRETS',
  store: 'SESSION_STORE',
  'cookie.name': 'SESSION_COOKIE_NAME',
  'cookie.domain': 'SESSION_COOKIE_DOMAIN',
  'cookie.path': 'SESSION_COOKIE_PATH',
  'cookie.sameSite': 'SESSION_COOKIE_SAMESITE',
  'cookie.secure': 'SESSION_COOKIE_SECURE',
  transport: 'SESSION_TRANSPORT',
  headerName: 'SESSION_HEADER_NAME',
  idleTimeout: 'SESSION_IDLE_TIMEOUT_SECONDS',
  absoluteTimeout: 'SESSION_ABSOLUTE_TIMEOUT_SECONDS',
  touchInterval: 'SESSION_TOUCH_INTERVAL_SECONDS',
  maxSize: 'SESSION_MAX_SIZE_BYTES',
  anonymousIdleTimeout: 'SESSION_ANONYMOUS_IDLE_TIMEOUT_SECONDS',
  anonymousMaxSize: 'SESSION_ANONYMOUS_MAX_SIZE_BYTES',
  storeTimeout: 'SESSION_STORE_TIMEOUT_MS',
  circuitBreaker: 'SESSION_CIRCUIT_BREAKER',
  'circuitBreaker.failures': 'SESSION_CIRCUIT_BREAKER_FAILURES',
  'circuitBreaker.openFor': 'SESSION_CIRCUIT_BREAKER_OPEN_MS',
  'csrf.allowedOrigins': 'SESSION_CSRF_ALLOWED_ORIGINS',
};

/** A reason written about code options (camelCase names), told in the variables that set them. */
function inVariables(reason: string): string {
  return reason.replace(/\b[a-z]+[A-Z][A-Za-z]*\b/g, (option) => VARIABLE_OF_OPTION[option] ?? option);
}

const seconds = (value: string | undefined) => (value === undefined ? undefined : Number(value) * 1000);
const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const bool = (value: string | undefined) => (value === undefined ? undefined : value === 'true');
const list = (value: string | undefined) => (value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean));

function storeOf(env: SessionEnvironment): SessionStoreOption {
  switch (env.SESSION_STORE) {
    case 'redis':
      return {
        type: 'redis',
        url: env.SESSION_REDIS_URL,
        keyPrefix: env.SESSION_REDIS_KEY_PREFIX,
        cluster: bool(env.SESSION_REDIS_CLUSTER),
      };
    case 'dynamodb':
      return {
        type: 'dynamodb',
        table: env.SESSION_DYNAMODB_TABLE,
        region: env.SESSION_DYNAMODB_REGION,
        endpoint: env.SESSION_DYNAMODB_ENDPOINT,
        consistentRead: bool(env.SESSION_DYNAMODB_CONSISTENT_READ),
        autoCreateTable: bool(env.SESSION_DYNAMODB_AUTO_CREATE_TABLE),
      };
    default:
      return { type: 'memory', maxSessions: number(env.SESSION_MEMORY_MAX_SESSIONS) };
  }
}

/**
 * Reads and checks the `SESSION_*` variables. Throws one `SessionConfigError` naming every bad
 * variable and why, so a misconfigured app does not start.
 */
export function sessionOptionsFromEnv(source: Record<string, string | undefined> = process.env): SessionModuleOptions {
  const env = new SessionEnvironment();
  for (const [name, value] of Object.entries(source)) {
    if (name.startsWith('SESSION_') && value !== undefined && value !== '') {
      (env as Record<string, string>)[name] = value;
    }
  }
  // Unknown SESSION_* variables are reported too: they are almost always a misspelt option.
  const problems: ConfigProblem[] = validateSync(env, { whitelist: true, forbidNonWhitelisted: true }).flatMap(
    (error) =>
      Object.values(error.constraints ?? {}).map((reason) => ({
        name: error.property,
        reason: reason.includes('should not exist') ? 'is not a variable this module reads (misspelt?)' : reason,
      })),
  );
  const secrets = list(env.SESSION_SECRETS);
  // "a b" would otherwise be one secret with a space in it, and the second secret never used.
  if (secrets?.some((secret) => /\s/.test(secret))) {
    problems.push({ name: 'SESSION_SECRETS', reason: 'a secret contains whitespace: separate secrets with commas' });
  }
  // Settings of a breaker turned off would be silently ignored: almost always a half-done change.
  if (env.SESSION_CIRCUIT_BREAKER === 'false') {
    for (const name of ['SESSION_CIRCUIT_BREAKER_FAILURES', 'SESSION_CIRCUIT_BREAKER_OPEN_MS'] as const) {
      if (env[name] !== undefined) problems.push({ name, reason: 'has no effect with SESSION_CIRCUIT_BREAKER=false' });
    }
  }
  const options: SessionModuleOptions = {
    secrets: secrets ?? [],
    store: storeOf(env),
    cookie: {
      name: env.SESSION_COOKIE_NAME,
      domain: env.SESSION_COOKIE_DOMAIN,
      path: env.SESSION_COOKIE_PATH,
      sameSite: env.SESSION_COOKIE_SAMESITE as 'strict' | 'lax' | 'none' | undefined,
      secure: bool(env.SESSION_COOKIE_SECURE),
      persistent: bool(env.SESSION_COOKIE_PERSISTENT),
    },
    transport: env.SESSION_TRANSPORT as 'cookie' | 'header' | 'both' | undefined,
    headerName: env.SESSION_HEADER_NAME,
    idleTimeout: seconds(env.SESSION_IDLE_TIMEOUT_SECONDS),
    absoluteTimeout: seconds(env.SESSION_ABSOLUTE_TIMEOUT_SECONDS),
    touchInterval: seconds(env.SESSION_TOUCH_INTERVAL_SECONDS),
    maxSize: number(env.SESSION_MAX_SIZE_BYTES),
    anonymousIdleTimeout: seconds(env.SESSION_ANONYMOUS_IDLE_TIMEOUT_SECONDS),
    anonymousMaxSize: number(env.SESSION_ANONYMOUS_MAX_SIZE_BYTES),
    storeTimeout: number(env.SESSION_STORE_TIMEOUT_MS),
    circuitBreaker:
      env.SESSION_CIRCUIT_BREAKER === 'false'
        ? false
        : { failures: number(env.SESSION_CIRCUIT_BREAKER_FAILURES), openFor: number(env.SESSION_CIRCUIT_BREAKER_OPEN_MS) },
    captureClient: bool(env.SESSION_CAPTURE_CLIENT),
    csrf: env.SESSION_CSRF === 'false' ? false : { allowedOrigins: list(env.SESSION_CSRF_ALLOWED_ORIGINS) },
  };
  try {
    resolveSessionOptions(options);
  } catch (error) {
    if (!(error instanceof SessionConfigError)) throw error;
    for (const { name, reason } of error.problems) {
      const variable = VARIABLE_OF_OPTION[name.replace(/\[\d+\]$/, '')] ?? name;
      if (!problems.some((p) => p.name === variable)) problems.push({ name: variable, reason: inVariables(reason) });
    }
  }
  if (problems.length > 0) throw new SessionConfigError(problems);
  return options;
}

/** `ConfigModule.forFeature(sessionConfig)` then inject `sessionConfig.KEY` into `forRootAsync`. */
export const sessionConfig = registerAs('session', () => sessionOptionsFromEnv(process.env));
