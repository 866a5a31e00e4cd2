import { DEFAULTS } from '../session.constants.js';

/** The part of Nest's `Logger` the failure log writes to. */
export interface FailureLogger {
  warn(message: string): void;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const calls = (count: number) => (count === 1 ? '1 call' : `${count} calls`);

// Two outages told in full (a failure and a recovery line each) per interval; a third that
// starts within it is counted, and told once the interval is over.
const LINES_PER_INTERVAL = 4;

/**
 * A store's failures, told in a few lines however many requests fail: the first failure at once,
 * then at most one line per `interval` with the count and the last error while it lasts, and one
 * line when the store answers again. A store that keeps flapping between failing and answering
 * gets at most four lines per interval: what happens beyond them is counted and reported in the
 * next line.
 *
 * Messages are the store's error messages and counts: never a session ID, token or store key.
 */
export class StoreFailureLog {
  // Whether a failure line went out that no recovery line has answered yet.
  private announced = false;
  private lastLineAt: number | undefined;
  private windowStart = Number.NEGATIVE_INFINITY;
  private windowLines = 0;
  // Since the last line: failed calls, and of them those the circuit breaker answered at once.
  private failed = 0;
  private refused = 0;
  // Since the failure line that opened this outage.
  private outageFailed = 0;
  private outageRefused = 0;
  private outageSince = 0;
  private lastError = '';

  constructor(
    private readonly logger: FailureLogger,
    private readonly what = 'Session store',
    private readonly interval: number = DEFAULTS.storeFailureLogInterval,
    private readonly now: () => number = Date.now,
  ) {}

  /** A call failed or timed out with this message. */
  failure(message: string): void {
    this.lastError = message;
    this.count(false);
  }

  /** The circuit breaker answered a call 503 without asking the store. */
  refusal(): void {
    this.count(true);
  }

  /** The store answered. Costs two comparisons while all is well: it runs on every call. */
  answered(): void {
    if (!this.announced && this.failed === 0) return;
    const now = this.now();
    if (this.announced) {
      this.announced = false;
      const failed = this.tally(this.outageFailed, this.outageRefused);
      // A warning like the failure it ends: a log filtered to warnings must not show an outage
      // that never ends.
      this.line(now, `${this.what} answering again after ${seconds(now - this.outageSince)}: ${failed}`);
    } else if (this.mayTell(now)) {
      this.line(now, `${this.what} answering again: ${this.tally(this.failed, this.refused, now)}`);
    }
  }

  private count(refused: boolean): void {
    this.failed += 1;
    this.outageFailed += 1;
    if (refused) {
      this.refused += 1;
      this.outageRefused += 1;
    }
    if (this.announced) {
      const now = this.now();
      if (now - (this.lastLineAt as number) >= this.interval) {
        this.line(now, `${this.what} still failing: ${this.tally(this.failed, this.refused, now)}`);
      }
      return;
    }
    const now = this.now();
    if (!this.mayTell(now)) return;
    this.announced = true;
    this.outageSince = now;
    this.outageFailed = this.failed;
    this.outageRefused = this.refused;
    // Several only when a flapping store's earlier failures were held back.
    const what = this.failed === 1 ? this.lastError : this.tally(this.failed, this.refused, now);
    this.line(
      now,
      `${this.what} call failed: ${what}; requests that need it get 503 until it answers (further failures are summarised every ${this.interval / 1000} s)`,
    );
  }

  /** Whether a new outage (or what was held back) may be told now. */
  private mayTell(now: number): boolean {
    if (now - this.windowStart >= this.interval) {
      this.windowStart = now;
      this.windowLines = 0;
    }
    return this.windowLines < LINES_PER_INTERVAL;
  }

  /** `12 calls failed [in the last 10.0 s] [(9 of them ...)]; last error: ...` */
  private tally(failed: number, refused: number, now?: number): string {
    const span = now === undefined || this.lastLineAt === undefined ? '' : ` in the last ${seconds(now - this.lastLineAt)}`;
    const breaker = refused > 0 ? ` (${refused} of them answered 503 at once by the circuit breaker)` : '';
    return `${calls(failed)} failed${span}${breaker}; last error: ${this.lastError}`;
  }

  private line(now: number, message: string): void {
    this.logger.warn(message);
    this.lastLineAt = now;
    this.windowLines += 1;
    this.failed = 0;
    this.refused = 0;
  }
}
