/** The variants the bench compares; the driver starts each as its own server process. */

export type AdapterName = 'express' | 'fastify';
export type StoreName = 'none' | 'memory' | 'redis' | 'dynamodb';
/** Who handles sessions: nobody (the ceiling), this module, or one of the two anchors. */
export type Implementation = 'bare' | 'ours' | 'express-session' | 'fastify-session';

export interface Variant {
  name: string;
  /** How the report names it. */
  label: string;
  adapter: AdapterName;
  implementation: Implementation;
  store: StoreName;
  /** @fastify/session only: its `rolling` option, which re-saves the session on every request. */
  rolling?: boolean;
  /**
   * Ours only. Unset: `telemetry: false`, which costs what an app without @opentelemetry/api
   * pays (nothing). `api`: telemetry on with no SDK registered, the API's no-op meter and
   * tracer. `sdk`: the OpenTelemetry SDK registered, recording and exporting nowhere.
   */
  telemetry?: 'api' | 'sdk';
}

export const VARIANTS: readonly Variant[] = [
  { name: 'bare-express', label: 'bare (no session)', adapter: 'express', implementation: 'bare', store: 'none' },
  { name: 'ours-memory-express', label: 'ours, memory', adapter: 'express', implementation: 'ours', store: 'memory' },
  { name: 'ours-redis-express', label: 'ours, Redis', adapter: 'express', implementation: 'ours', store: 'redis' },
  ...telemetryVariants('express', 'memory', 'ours, memory'),
  ...telemetryVariants('express', 'redis', 'ours, Redis'),
  { name: 'ours-dynamodb-express', label: 'ours, DynamoDB', adapter: 'express', implementation: 'ours', store: 'dynamodb' },
  {
    name: 'express-session-redis',
    label: 'express-session + connect-redis',
    adapter: 'express',
    implementation: 'express-session',
    store: 'redis',
  },
  {
    name: 'express-session-dynamodb',
    label: 'express-session + connect-dynamodb',
    adapter: 'express',
    implementation: 'express-session',
    store: 'dynamodb',
  },
  { name: 'bare-fastify', label: 'bare (no session)', adapter: 'fastify', implementation: 'bare', store: 'none' },
  { name: 'ours-memory-fastify', label: 'ours, memory', adapter: 'fastify', implementation: 'ours', store: 'memory' },
  { name: 'ours-redis-fastify', label: 'ours, Redis', adapter: 'fastify', implementation: 'ours', store: 'redis' },
  { name: 'ours-dynamodb-fastify', label: 'ours, DynamoDB', adapter: 'fastify', implementation: 'ours', store: 'dynamodb' },
  {
    name: 'fastify-session-redis',
    label: '@fastify/session + Redis (rolling: true, default)',
    adapter: 'fastify',
    implementation: 'fastify-session',
    store: 'redis',
    rolling: true,
  },
  {
    name: 'fastify-session-redis-norolling',
    label: '@fastify/session + Redis (rolling: false)',
    adapter: 'fastify',
    implementation: 'fastify-session',
    store: 'redis',
    rolling: false,
  },
];

/** The hot path's cost of telemetry: the API with no SDK, and the SDK recording every metric and span. */
function telemetryVariants(adapter: AdapterName, store: StoreName, label: string): Variant[] {
  return [
    { name: `ours-${store}-${adapter}-otel-api`, label: `${label}, OpenTelemetry API, no SDK`, adapter, implementation: 'ours', store, telemetry: 'api' },
    { name: `ours-${store}-${adapter}-otel-sdk`, label: `${label}, OpenTelemetry SDK`, adapter, implementation: 'ours', store, telemetry: 'sdk' },
  ];
}

/** `--quick`: the ceiling and two of ours, enough to show the harness works end to end. */
export const QUICK_VARIANTS: readonly string[] = ['bare-express', 'ours-memory-express', 'ours-redis-fastify'];

export function variantNamed(name: string): Variant {
  const found = VARIANTS.find((variant) => variant.name === name);
  if (!found) throw new Error(`unknown variant ${name}; known: ${VARIANTS.map((v) => v.name).join(', ')}`);
  return found;
}

/** What the driver hands a server process, as environment variables. */
export interface ServerEnvironment {
  BENCH_VARIANT: string;
  BENCH_PORT: string;
  BENCH_REDIS_URL?: string;
  BENCH_DYNAMODB_ENDPOINT?: string;
}

/** A server's answer to the driver's `stats` message. */
export interface ServerStats {
  cpu: NodeJS.CpuUsage;
  /** Requests answered since the server started. */
  completed: number;
  /** Requests received and not yet answered. */
  inFlight: number;
}

/** The user every variant logs in, and the secret every signed cookie uses. */
export const BENCH_USER = 'user-0042';
export const BENCH_SECRET = 'bench-secret-0123456789-abcdefghijklmnop';
/** DynamoDB tables: one per implementation, so their items never mix. */
export const DYNAMODB_TABLES = { ours: 'bench-ours-sessions', connect: 'bench-connect-sessions' } as const;
