import type { DYNAMODB_PRICES } from './dynamodb-cost.js';
import type { RunRecord } from './run-record.js';
import type { VariantSummary } from './summary.js';
import type { TargetCheck } from './targets.js';

/** What `bench/results/<date>.json` holds: the settings, every raw run, the medians and the targets. */
export interface BenchResults {
  date: string;
  startedAt: string;
  finishedAt: string;
  machine: {
    cpuModel: string;
    cores: number;
    node: string;
    /** 1, 5 and 15 minute load averages. */
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  settings: { rounds: number; durationSeconds: number; warmupSeconds: number; connections: number; variants: string[] };
  prices: typeof DYNAMODB_PRICES;
  runs: RunRecord[];
  medians: VariantSummary[];
  targets: TargetCheck[];
  /** Runs that could not be measured at all (a server that did not start, a failed login). */
  errors: { round: number; variant: string; message: string }[];
}
