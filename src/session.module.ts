import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_INTERCEPTOR, HttpAdapterHost } from '@nestjs/core';
import { resolveSessionOptions } from './config/resolved-options.js';
import { RESOLVED_SESSION_OPTIONS, STORE_IN_USE } from './session.constants.js';
import { SessionGuard } from './transport/session.guard.js';
import { SessionInterceptor } from './transport/session.interceptor.js';
import { SessionManager } from './session/session.manager.js';
import { ConfigurableModuleClass, SESSION_MODULE_OPTIONS } from './session.module-definition.js';
import type { SessionModuleOptions } from './config/session-options.interface.js';
import type { ResolvedSessionOptions } from './config/resolved-options.js';
import { SessionService } from './session/session.service.js';
import { SessionHealthIndicator } from './health/session-health.indicator.js';
import { SessionSockets } from './transport/open-sockets.js';
import { GraphQLOperationHooks } from './transport/graphql-operation.hooks.js';
import { STORE_HANDLE, type StoreHandle, createStore } from './stores/session-store.factory.js';
import { SessionStore } from './stores/session-store.interface.js';
import { TokenCarrier } from './transport/cookie-header.token-carrier.js';
import { ExpressSessionMigration } from './migration/express-session.migration.js';
import { type CircuitTelemetry, SESSION_TELEMETRY } from './telemetry/session-telemetry.js';
import { createTelemetry } from './telemetry/telemetry.factory.js';
import type { OpenTelemetrySessionTelemetry } from './telemetry/opentelemetry.telemetry.js';

@Module({
  providers: [
    {
      provide: RESOLVED_SESSION_OPTIONS,
      inject: [SESSION_MODULE_OPTIONS],
      useFactory: (options: SessionModuleOptions) => resolveSessionOptions(options),
    },
    {
      provide: STORE_HANDLE,
      inject: [RESOLVED_SESSION_OPTIONS],
      useFactory: (options: ResolvedSessionOptions) => createStore(options.store, options.storeTimeout),
    },
    {
      provide: SESSION_TELEMETRY,
      inject: [RESOLVED_SESSION_OPTIONS, STORE_HANDLE],
      useFactory: (options: ResolvedSessionOptions, handle: StoreHandle) => createTelemetry(options, handle.store),
    },
    { provide: SessionStore, inject: [STORE_HANDLE], useFactory: (handle: StoreHandle) => handle.store },
    {
      provide: STORE_IN_USE,
      inject: [STORE_HANDLE, SESSION_TELEMETRY],
      // With telemetry on, store calls are timed and traced; without, the manager calls the store itself.
      useFactory: (handle: StoreHandle, telemetry: OpenTelemetrySessionTelemetry | null) => telemetry?.instrument(handle.store) ?? handle.store,
    },
    {
      provide: ExpressSessionMigration,
      inject: [RESOLVED_SESSION_OPTIONS, HttpAdapterHost],
      useFactory: (options: ResolvedSessionOptions, adapterHost: HttpAdapterHost) =>
        ExpressSessionMigration.create(options.migrateFrom, options.storeTimeout, adapterHost),
    },
    TokenCarrier,
    SessionSockets,
    SessionManager,
    GraphQLOperationHooks,
    SessionService,
    SessionHealthIndicator,
    SessionGuard,
    { provide: APP_INTERCEPTOR, useClass: SessionInterceptor },
  ],
  exports: [SessionService, SessionHealthIndicator, SessionGuard, SessionManager, SessionStore, ExpressSessionMigration, RESOLVED_SESSION_OPTIONS],
})
export class SessionModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  private readonly stopObservingCircuit: (() => void) | undefined;

  constructor(
    @Inject(STORE_HANDLE) private readonly handle: StoreHandle,
    // Typed by an interface of ours: this class's declarations must compile without the API.
    @Inject(SESSION_TELEMETRY) telemetry: CircuitTelemetry | null,
    manager: SessionManager,
  ) {
    super();
    this.stopObservingCircuit = telemetry?.observeCircuit(() => manager.storeCircuit());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopObservingCircuit?.();
    if (this.handle.owned) await this.handle.store.close?.();
  }
}
