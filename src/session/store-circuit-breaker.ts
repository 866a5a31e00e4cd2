import type { ResolvedCircuitBreaker } from '../config/circuit-breaker.options.js';

/**
 * Where a store's circuit breaker stands. Read through `SessionManager.storeCircuit()` by the
 * health indicator and the metrics; times are epoch milliseconds.
 */
export interface StoreCircuitState {
  /** False with `circuitBreaker: false`: every call then goes to the store, and `state` stays `closed`. */
  enabled: boolean;
  /**
   * `closed`: calls go to the store. `open`: they are answered 503 at once, without a store call.
   * `half-open`: the open period is over and one call (the probe) is in flight; the others still
   * get 503 at once until it answers.
   */
  state: 'closed' | 'open' | 'half-open';
  /** Calls in a row that failed or timed out; 0 again after any answer from the store. */
  consecutiveFailures: number;
  /** When it last opened; undefined while closed. */
  openedAt?: number;
  /** While open: the earliest time of the next probe. */
  probeAt?: number;
  /** Times it has opened since the module started (a failed probe opens it again, and counts). */
  opened: number;
  /** Calls answered 503 at once, without reaching the store, since the module started. */
  refused: number;
}

/** How the breaker let a call through: as an ordinary call, or as the probe of a half-open breaker. */
export type Admission = 'call' | 'probe';

/**
 * Counts a store's failed calls in a row; after `failures` of them, if the store has answered no
 * call for `silence` either, answers every call 503 at once for a jittered part of `openFor`, then
 * lets one probe through, and closes again as soon as the store answers. Without settings it
 * only counts. One per store, per module.
 *
 * An answer is any settled call that was not an error or a timeout: a store's own refusal (an
 * HttpException, like data too large) is an answer too, since the store was reached.
 */
export class StoreCircuitBreaker {
  private state: StoreCircuitState['state'] = 'closed';
  private failuresInARow = 0;
  // 0 until the store first answers: a store down since boot has been silent all along.
  private lastAnswerAt = 0;
  private openedAt = 0;
  private probeAt = 0;
  private opened = 0;
  private refused = 0;

  constructor(
    private readonly settings: ResolvedCircuitBreaker | undefined,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** Whether a call may go to the store now; undefined when it is to be answered 503 at once. */
  admit(): Admission | undefined {
    if (this.state === 'closed') return 'call';
    if (this.state === 'open' && this.now() >= this.probeAt) {
      this.state = 'half-open';
      return 'probe';
    }
    this.refused += 1;
    return undefined;
  }

  /** The store answered: whatever the state, it is reachable again. */
  answered(): void {
    this.failuresInARow = 0;
    this.state = 'closed';
    if (this.settings) this.lastAnswerAt = this.now();
  }

  /**
   * A call failed or timed out. Returns true when that opened the breaker. The failure of a call
   * let through before the breaker opened changes nothing while it is open: only the probe's does.
   */
  failed(admission: Admission): boolean {
    this.failuresInARow += 1;
    if (!this.settings) return false;
    const probeFailed = admission === 'probe' && this.state === 'half-open';
    const down =
      this.state === 'closed' &&
      this.failuresInARow >= this.settings.failures &&
      this.now() - this.lastAnswerAt >= this.settings.silence;
    if (!probeFailed && !down) return false;
    this.state = 'open';
    this.opened += 1;
    this.openedAt = this.now();
    // 75 to 100 % of openFor: instances that opened together do not all probe at the same moment,
    // and a store that is back waits no longer than openFor to be used again.
    this.probeAt = this.openedAt + Math.round(this.settings.openFor * (0.75 + 0.25 * this.random()));
    return true;
  }

  snapshot(): StoreCircuitState {
    return {
      enabled: this.settings !== undefined,
      state: this.state,
      consecutiveFailures: this.failuresInARow,
      ...(this.state === 'closed' ? {} : { openedAt: this.openedAt }),
      ...(this.state === 'open' ? { probeAt: this.probeAt } : {}),
      opened: this.opened,
      refused: this.refused,
    };
  }
}
