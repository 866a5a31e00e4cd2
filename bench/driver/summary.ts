import type { Variant } from '../variants.js';
import type { RunRecord } from './run-record.js';

/** The medians of one variant over its valid runs; each metric's median is taken on its own. */
export interface VariantSummary {
  variant: string;
  label: string;
  adapter: Variant['adapter'];
  implementation: Variant['implementation'];
  store: Variant['store'];
  /** Runs without failures, which the medians are taken over. */
  validRuns: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  serverCpuMicrosPerRequest: number;
  /** Server CPU per request minus that of the bare app on the same adapter, when it was measured. */
  cpuAboveBareMicros?: number;
  storeCpuMicrosPerRequest?: number;
  storeOperationsPerRequest: Record<string, number>;
  dynamodbDollarsPerMillion?: number;
  readUnitsPerRequest?: number;
  writeUnitsPerRequest?: number;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function summarize(runs: readonly RunRecord[], variants: readonly Variant[]): VariantSummary[] {
  const summaries = variants.map((variant) => summarizeOne(variant, runs.filter((run) => run.variant === variant.name && run.failures === 0)));
  for (const summary of summaries) {
    const bare = summaries.find((other) => other.implementation === 'bare' && other.adapter === summary.adapter);
    if (bare && bare.validRuns > 0 && summary.validRuns > 0) {
      summary.cpuAboveBareMicros = summary.serverCpuMicrosPerRequest - bare.serverCpuMicrosPerRequest;
    }
  }
  return summaries;
}

function summarizeOne(variant: Variant, runs: RunRecord[]): VariantSummary {
  const of = (pick: (run: RunRecord) => number | undefined): number | undefined => {
    const values = runs.map(pick).filter((value): value is number => value !== undefined);
    return values.length > 0 ? median(values) : undefined;
  };
  const commands = new Set(runs.flatMap((run) => Object.keys(run.storeOperationsPerRequest)));
  const summary: VariantSummary = {
    variant: variant.name,
    label: variant.label,
    adapter: variant.adapter,
    implementation: variant.implementation,
    store: variant.store,
    validRuns: runs.length,
    requestsPerSecond: of((run) => run.requestsPerSecond) ?? Number.NaN,
    p50: of((run) => run.p50) ?? Number.NaN,
    p99: of((run) => run.p99) ?? Number.NaN,
    serverCpuMicrosPerRequest: of((run) => run.serverCpuMicrosPerRequest) ?? Number.NaN,
    storeOperationsPerRequest: Object.fromEntries(
      [...commands].sort().map((command) => [command, of((run) => run.storeOperationsPerRequest[command] ?? 0) ?? 0]),
    ),
  };
  const optional = {
    storeCpuMicrosPerRequest: of((run) => run.storeCpuMicrosPerRequest),
    dynamodbDollarsPerMillion: of((run) => run.dynamodb?.cost.dollarsPerMillion),
    readUnitsPerRequest: of((run) => run.dynamodb?.cost.readUnitsPerRequest),
    writeUnitsPerRequest: of((run) => run.dynamodb?.cost.writeUnitsPerRequest),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(summary, { [key]: value });
  }
  return summary;
}
