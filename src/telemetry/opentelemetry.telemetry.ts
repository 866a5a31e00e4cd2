// Types only: this file is loaded only once @opentelemetry/api has been, and gets it as an argument.
import type * as OpenTelemetryApi from '@opentelemetry/api';
import type { Attributes, BatchObservableCallback, Counter, Histogram, Meter, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { InstrumentedStore, type StoreCallObserver, type StoreOperation } from './instrumented.store.js';
import type { CircuitReading, CircuitTelemetry, RefusalReason, SessionTelemetry } from './session-telemetry.js';
import type { SessionStore } from '../stores/session-store.interface.js';

export type OpenTelemetryApiModule = typeof OpenTelemetryApi;

/** The instrumentation scope every meter and tracer of the module is named after. */
export const INSTRUMENTATION_SCOPE = 'nestjs-session-store';

// Attribute names of OpenTelemetry's semantic conventions (database client spans and metrics, errors).
const DB_SYSTEM_NAME = 'db.system.name';
const DB_OPERATION_NAME = 'db.operation.name';
const ERROR_TYPE = 'error.type';
// The module's own.
const REFUSAL_REASON = 'session.refusal.reason';
const CIRCUIT_STATE = 'session.circuit.state';

/** The `error.type` of a store call answered after `storeTimeout`, which the module had given up on. */
export const TIMEOUT = 'timeout';

// The semantic conventions' advice for db.client.operation.duration, in seconds.
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

const OPERATIONS: readonly StoreOperation[] = ['get', 'create', 'update', 'delete', 'findByUser'];
const REASONS: readonly RefusalReason[] = ['missing', 'invalid', 'expired'];
const CIRCUIT_STATES: readonly CircuitReading['state'][] = ['closed', 'open', 'half-open'];

/**
 * Metrics and spans through the OpenTelemetry API: whatever SDK the app registers (before it
 * creates the Nest app) receives them; with none, the API's no-op meter and tracer take them.
 * No attribute ever holds a session ID, token, store key, user ID or session data.
 */
export class OpenTelemetrySessionTelemetry implements SessionTelemetry, CircuitTelemetry, StoreCallObserver {
  private readonly meter: Meter;
  private readonly tracer: Tracer;
  private readonly duration: Histogram;
  private readonly failures: Counter;
  private readonly unavailableCalls: Counter;
  private readonly createdSessions: Counter;
  private readonly regeneratedSessions: Counter;
  private readonly destroyedSessions: Counter;
  private readonly revokedSessions: Counter;
  private readonly expiredSessions: Counter;
  private readonly refusals: Counter;
  // Made once: the hot path allocates no attributes.
  private readonly operationAttributes: Record<StoreOperation, Attributes>;
  private readonly spanNames: Record<StoreOperation, string>;
  private readonly refusalAttributes: Record<RefusalReason, Attributes>;
  private readonly spanOptions: Record<StoreOperation, SpanOptions>;

  /**
   * `system` is the store's `db.system.name`; a call that takes `storeTimeout` ms or more is
   * recorded as a timeout, whatever the store answered in the end.
   */
  constructor(
    private readonly api: OpenTelemetryApiModule,
    system: string,
    private readonly storeTimeout: number,
  ) {
    const meter = api.metrics.getMeter(INSTRUMENTATION_SCOPE);
    this.meter = meter;
    this.tracer = api.trace.getTracer(INSTRUMENTATION_SCOPE);
    this.duration = meter.createHistogram('db.client.operation.duration', {
      description: 'Duration of session store calls',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    const counter = (name: string, unit: string, description: string) => meter.createCounter(name, { unit, description });
    this.failures = counter(
      'session.store.failures',
      '{call}',
      `Session store calls that failed, or answered after storeTimeout (error.type ${TIMEOUT})`,
    );
    this.unavailableCalls = counter(
      'session.store.unavailable',
      '{call}',
      'Store calls answered 503: failed, timed out, or refused at once by the open circuit breaker',
    );
    this.createdSessions = counter('session.created', '{session}', 'Sessions stored for the first time');
    this.regeneratedSessions = counter('session.regenerated', '{session}', 'Sessions given a new ID by regenerate()');
    this.destroyedSessions = counter('session.destroyed', '{session}', 'Stored sessions deleted by destroy()');
    this.revokedSessions = counter('session.revoked', '{session}', 'Sessions ended by revoke, revokeOthers or revokeAll');
    this.expiredSessions = counter(
      'session.expired',
      '{session}',
      'Validly signed tokens whose session was gone or past a deadline when read',
    );
    this.refusals = counter('session.refused', '{call}', 'Calls the guard refused for want of a valid session');

    this.operationAttributes = keyed(OPERATIONS, (operation) => ({ [DB_SYSTEM_NAME]: system, [DB_OPERATION_NAME]: operation }));
    this.spanNames = keyed(OPERATIONS, (operation) => `session ${operation}`);
    this.spanOptions = keyed(OPERATIONS, (operation) => ({ kind: api.SpanKind.CLIENT, attributes: this.operationAttributes[operation] }));
    this.refusalAttributes = keyed(REASONS, (reason) => ({ [REFUSAL_REASON]: reason }));
  }

  /** The store the module uses while telemetry is on. */
  instrument(store: SessionStore): SessionStore {
    return new InstrumentedStore(store, this);
  }

  /**
   * Times the call and wraps it in a client span, a child of whatever span is active (the
   * request's). The span is made active around the call only when it records, so that a
   * driver's own spans nest under it.
   */
  observe<R>(operation: StoreOperation, call: () => Promise<R>): Promise<R> {
    const started = performance.now();
    const span = this.tracer.startSpan(this.spanNames[operation], this.spanOptions[operation]);
    let pending: Promise<R>;
    try {
      pending = span.isRecording() ? this.api.context.with(this.api.trace.setSpan(this.api.context.active(), span), call) : call();
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (value) => {
        this.settled(operation, span, started, undefined);
        return value;
      },
      (error: unknown) => {
        this.settled(operation, span, started, errorType(error));
        throw error;
      },
    );
  }

  private settled(operation: StoreOperation, span: Span, started: number, failure: string | undefined): void {
    const milliseconds = performance.now() - started;
    const type = milliseconds >= this.storeTimeout ? TIMEOUT : failure;
    if (type === undefined) {
      this.duration.record(milliseconds / 1000, this.operationAttributes[operation]);
      span.end();
      return;
    }
    const attributes = { ...this.operationAttributes[operation], [ERROR_TYPE]: type };
    this.duration.record(milliseconds / 1000, attributes);
    this.failures.add(1, attributes);
    // No exception event and no status message: a store's error message may quote what it was sent.
    span.setAttribute(ERROR_TYPE, type);
    span.setStatus({ code: this.api.SpanStatusCode.ERROR });
    span.end();
  }

  /** `session.store.circuit.state` (1 for its state, 0 for the others) and `session.store.circuit.opened`. */
  observeCircuit(read: () => CircuitReading): () => void {
    const state = this.meter.createObservableGauge('session.store.circuit.state', {
      unit: '{state}',
      description: "The session store's circuit breaker: 1 for the state it is in, 0 for the others",
    });
    const opened = this.meter.createObservableCounter('session.store.circuit.opened', {
      unit: '{opening}',
      description: "Times the session store's circuit breaker opened",
    });
    const attributes = keyed(CIRCUIT_STATES, (name) => ({ [CIRCUIT_STATE]: name.replace('-', '_') }));
    const observe: BatchObservableCallback = (result) => {
      const reading = read();
      for (const name of CIRCUIT_STATES) result.observe(state, name === reading.state ? 1 : 0, attributes[name]);
      result.observe(opened, reading.opened);
    };
    this.meter.addBatchObservableCallback(observe, [state, opened]);
    return () => this.meter.removeBatchObservableCallback(observe, [state, opened]);
  }

  created(): void {
    this.createdSessions.add(1);
  }

  regenerated(): void {
    this.regeneratedSessions.add(1);
  }

  destroyed(): void {
    this.destroyedSessions.add(1);
  }

  revoked(count: number): void {
    if (count > 0) this.revokedSessions.add(count);
  }

  expired(): void {
    this.expiredSessions.add(1);
  }

  refused(reason: RefusalReason): void {
    this.refusals.add(1, this.refusalAttributes[reason]);
  }

  unavailable(): void {
    this.unavailableCalls.add(1);
  }
}

function keyed<K extends string, T>(keys: readonly K[], make: (key: K) => T): Record<K, T> {
  return Object.fromEntries(keys.map((key) => [key, make(key)])) as Record<K, T>;
}

/** A low-cardinality name for what a store threw: its error class's name (`ReplyError`, `ProvisionedThroughputExceededException`). */
function errorType(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : '_OTHER';
}
