import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedSessionOptions } from '../config/resolved-options.js';
import { RESOLVED_SESSION_OPTIONS } from '../session.constants.js';
import { STORE_HANDLE, type StoreHandle } from '../stores/session-store.factory.js';
import { HEALTH_CHECK_KEY, type SessionStore } from '../stores/session-store.interface.js';
import { SessionManager } from '../session/session.manager.js';
import type { StoreCircuitState } from '../session/store-circuit-breaker.js';

/**
 * What `isHealthy` returns: Terminus' `HealthIndicatorResult`, the shape its
 * `HealthIndicatorService.check(key).up()` and `.down()` build in Terminus 11 and 12. Spelled out
 * here so that neither this package's code nor its types need @nestjs/terminus installed.
 */
export type SessionHealthResult<Key extends string = string> = Record<
  Key,
  ({ status: 'up' } | { status: 'down'; message: string }) & {
    /** The module's circuit breaker: `open` or `half-open` while requests get 503 without a store call. */
    circuit: StoreCircuitState['state'];
  }
>;

/**
 * A Terminus health indicator for the session store the module uses:
 * `health.check([() => sessions.isHealthy('sessions')])`. It asks the store itself (Redis: PING
 * on the server, Sentinel's master or every master of a Cluster; DynamoDB: a GetItem on the
 * table), waits at most `storeTimeout`, and reports a failure as `down` with the reason, which
 * Terminus turns into its 503. Either way it shows the circuit breaker's state, so a store that is
 * back while requests still get fast 503s is told apart from one that is down.
 */
@Injectable()
export class SessionHealthIndicator {
  private readonly store: SessionStore;

  constructor(
    // The store itself, not what the module may wrap around it for its own calls.
    @Inject(STORE_HANDLE) handle: StoreHandle,
    @Inject(RESOLVED_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly sessions: SessionManager,
  ) {
    this.store = handle.store;
  }

  async isHealthy<const Key extends string>(key: Key): Promise<SessionHealthResult<Key>> {
    try {
      await this.withinStoreTimeout(this.check());
      return { [key]: { status: 'up', circuit: this.circuit() } } as SessionHealthResult<Key>;
    } catch (error) {
      // Returned, not thrown: from 11 on, Terminus reads `down` from the result, and answers 500
      // to a thrown error other than its deprecated HealthCheckError.
      const message = error instanceof Error ? error.message : String(error);
      return { [key]: { status: 'down', message, circuit: this.circuit() } } as SessionHealthResult<Key>;
    }
  }

  private circuit(): StoreCircuitState['state'] {
    return this.sessions.storeCircuit().state;
  }

  private async check(): Promise<void> {
    // An app's own store may have no check of its own: then a read is the honest probe.
    if (this.store.checkHealth) await this.store.checkHealth();
    else await this.store.get(HEALTH_CHECK_KEY);
  }

  private async withinStoreTimeout(check: Promise<void>): Promise<void> {
    const { storeTimeout } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${storeTimeout} ms`)), storeTimeout);
    });
    try {
      await Promise.race([check, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
