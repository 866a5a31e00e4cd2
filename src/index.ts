export { AllowAnonymous } from './transport/allow-anonymous.decorator.js';
export { CurrentSession } from './transport/current-session.decorator.js';
export { MemoryStore } from './stores/memory.store.js';
export { RedisStore, type RedisStoreSettings } from './stores/redis/redis.store.js';
export { Session, type RegenerateOptions, type SessionData } from './session/session.js';
export {
  InvalidSessionDataError,
  SessionDataTooLargeError,
  SessionEndedError,
  SessionStoreUnavailableError,
  SessionTokenUnavailableError,
} from './session/session.errors.js';
export { SessionGuard } from './transport/session.guard.js';
export { SessionSocketAdapter } from './transport/session-socket.adapter.js';
export { type SessionMiddleware, sessionMiddleware } from './transport/session.middleware.js';
export type { ExpressSession } from './transport/express-session.view.js';
export { SessionModule } from './session.module.js';
export { SessionService } from './session/session.service.js';
export { type SessionHealthResult, SessionHealthIndicator } from './health/session-health.indicator.js';
export { SessionAdminModule } from './admin/session-admin.module.js';
export type { SessionAdminOptions } from './admin/session-admin.options.js';
export type { AdminSessionView, AdminUserSessions } from './admin/session-admin.controller.js';
export { type ConfigProblem, SessionConfigError } from './config/session-config.error.js';
export { SessionEnvironment, sessionConfig, sessionOptionsFromEnv } from './config/session-env.config.js';
export type { SessionInfo } from './session/session-info.interface.js';
export type {
  DynamoDbCredentials,
  DynamoDbStoreClient,
  DynamoDbStoreOptions,
} from './stores/dynamodb/dynamodb-store.options.js';
export type { DynamoDbStore } from './stores/dynamodb/dynamodb.store.js';
export { type EnsureTableOptions, type EnsureTableResult, ensureTable } from './stores/dynamodb/dynamodb-table.js';
export type { RedisClusterNode, RedisStoreClient, RedisStoreOptions } from './stores/redis/redis-store.options.js';
export type { CircuitBreakerOptions } from './config/circuit-breaker.options.js';
export type {
  CsrfOptions,
  ExpressCompatibleOptions,
  MemoryStoreOptions,
  SameSite,
  SessionCookieOptions,
  SessionModuleOptions,
  SessionStoreOption,
  SessionTransport,
} from './config/session-options.interface.js';
export { ExpressSessionMigration } from './migration/express-session.migration.js';
export type {
  ConnectDynamoDbClient,
  ConnectDynamoDbSource,
  ConnectRedisClient,
  ConnectRedisSource,
  ExpressSessionMigrationOptions,
  LegacySession,
  LegacySessionStore,
  MigrateFromOptions,
  MigrationStats,
} from './migration/express-session-migration.options.js';
export {
  SessionStore,
  type ClientInfo,
  type SessionRecord,
  type SessionUpdate,
  type StoredSession,
} from './stores/session-store.interface.js';
