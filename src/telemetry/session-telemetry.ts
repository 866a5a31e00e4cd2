/**
 * What the manager, the guard and the socket adapter report to telemetry. They hold it as
 * `SessionTelemetry | null` and call it as `telemetry?.created()`: without `@opentelemetry/api`,
 * or with `telemetry: false`, it is null and each report costs one null check.
 *
 * No OpenTelemetry type appears here: the declarations of the manager, which the public
 * `SessionGuard` names, must compile in an app without `@opentelemetry/api`.
 */
export interface SessionTelemetry {
  /** A new session was stored (at the first write of a blank or regenerated session, or by a migration). */
  created(): void;
  /** `regenerate()` gave a session a new ID. */
  regenerated(): void;
  /** `destroy()` deleted a stored session. */
  destroyed(): void;
  /** Sessions ended by `revoke`, `revokeOthers` or `revokeAll`, on behalf of their user or an operator. */
  revoked(count: number): void;
  /** A validly signed token whose session the store no longer has, or has past one of its deadlines. */
  expired(): void;
  /** The guard refused a call for want of a valid session. */
  refused(reason: RefusalReason): void;
  /** A store call is answered 503: it failed, did not answer within `storeTimeout`, or the circuit breaker is open. */
  unavailable(): void;
}

/** What the circuit breaker's metrics read from it at each collection. */
export interface CircuitReading {
  state: 'closed' | 'open' | 'half-open';
  /** Times it has opened since the module started. */
  opened: number;
}

/** The module's telemetry as `SessionModule` uses it: to watch the store's circuit breaker while it runs. */
export interface CircuitTelemetry {
  /** Reports the circuit breaker's state at each metric collection; returns what stops it. */
  observeCircuit(read: () => CircuitReading): () => void;
}

/** Why a call had no valid session: none presented, one that fails its signature, one that opens no live session. */
export type RefusalReason = 'missing' | 'invalid' | 'expired';

/** The module's `SessionTelemetry`, or null when telemetry is off or `@opentelemetry/api` is not installed. */
export const SESSION_TELEMETRY = Symbol('SESSION:TELEMETRY');
