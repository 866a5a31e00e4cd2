export { AllowAnonymous } from './allow-anonymous.decorator.js';
export { CurrentSession } from './current-session.decorator.js';
export { MemoryStore } from './memory.store.js';
export { RedisStore, type RedisStoreSettings } from './redis.store.js';
export { Session, type RegenerateOptions, type SessionData } from './session.js';
export {
  InvalidSessionDataError,
  SessionDataTooLargeError,
  SessionEndedError,
  SessionStoreUnavailableError,
  SessionTokenUnavailableError,
} from './session.errors.js';
export { SessionGuard } from './session.guard.js';
export { SessionSocketAdapter } from './session-socket.adapter.js';
export { SessionModule } from './session.module.js';
export { SessionService } from './session.service.js';
export { type ConfigProblem, SessionConfigError } from './session-config.error.js';
export { SessionEnvironment, sessionConfig, sessionOptionsFromEnv } from './session-env.config.js';
export type { SessionInfo } from './session-info.interface.js';
export type { DynamoDbStoreOptions } from './dynamodb-store.options.js';
export type { DynamoDbStore } from './dynamodb.store.js';
export { type EnsureTableOptions, type EnsureTableResult, ensureTable } from './dynamodb-table.js';
export type { RedisClusterNode, RedisStoreOptions } from './redis-store.options.js';
export type {
  CsrfOptions,
  MemoryStoreOptions,
  SameSite,
  SessionCookieOptions,
  SessionModuleOptions,
  SessionStoreOption,
  SessionTransport,
} from './session-options.interface.js';
export {
  SessionStore,
  type ClientInfo,
  type SessionRecord,
  type SessionUpdate,
  type StoredSession,
} from './session-store.interface.js';
