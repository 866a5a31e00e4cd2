import { performance } from 'node:perf_hooks';
import { type DynamoDbLocal, LOCAL_AWS_ENV } from '../../tools/local-stores/dynamodb-local.js';
import { freePort } from '../../tools/local-stores/free-port.js';
import type { RedisServer } from '../../tools/local-stores/redis-server.js';
import type { ServerEnvironment, Variant } from '../variants.js';
import { dynamoDbCost } from './dynamodb-cost.js';
import type { DynamoDbProxy } from './dynamodb-proxy.js';
import { loadMe, logIn } from './load.js';
import type { BenchOptions } from './options.js';
import { PATHS } from './paths.js';
import { machineBusyMicros, processCpuMicros } from './proc-cpu.js';
import type { RunRecord } from './run-record.js';
import { ServerProcess } from './server-process.js';

/** The stores the driver started for this run of the bench. */
export interface Stores {
  redis?: RedisServer;
  dynamodb?: { local: DynamoDbLocal; proxy: DynamoDbProxy; endpoint: string };
}

interface Snapshot {
  server: number;
  serverSystem: number;
  completed: number;
  store: number;
  machine: number;
  driver: number;
  at: number;
}

/**
 * Starts the variant's server as a fresh process, logs in, warms it up, then measures one window
 * of `GET /me` with the server's CPU time and the store commands it caused, and stops it.
 */
export async function measure(variant: Variant, round: number, stores: Stores, options: BenchOptions): Promise<RunRecord> {
  const port = await freePort();
  const env: ServerEnvironment & Record<string, string> = { BENCH_VARIANT: variant.name, BENCH_PORT: String(port) };
  if (variant.store === 'redis') env.BENCH_REDIS_URL = requireStore(stores.redis, variant).url;
  if (variant.store === 'dynamodb') {
    env.BENCH_DYNAMODB_ENDPOINT = requireStore(stores.dynamodb, variant).endpoint;
    Object.assign(env, LOCAL_AWS_ENV);
  }
  const execArgv = options.cpuProf
    ? ['--cpu-prof', `--cpu-prof-dir=${PATHS.profiles}`, `--cpu-prof-name=${variant.name}-${round}.cpuprofile`]
    : [];
  const server = await ServerProcess.start(env, execArgv);
  try {
    const baseUrl = `http://127.0.0.1:${port}`;
    const cookie = await logIn(baseUrl);
    await loadMe(baseUrl, cookie, options.connections, options.warmup);

    const storePid = variant.store === 'redis' ? stores.redis?.pid : variant.store === 'dynamodb' ? stores.dynamodb?.local.pid : undefined;
    await server.settle();
    await stores.redis?.resetCommandStats();
    stores.dynamodb?.proxy.take();
    const startedAt = new Date().toISOString();
    const before = await snapshot(server, storePid);
    const load = await loadMe(baseUrl, cookie, options.connections, options.duration);
    const after = await snapshot(server, storePid);

    // Per request served, counted by the server: its CPU and the store calls both cover exactly those.
    const served = after.completed - before.completed;
    const perRequest = (value: number) => value / served;
    const record: RunRecord = {
      round,
      variant: variant.name,
      startedAt,
      ...load,
      served,
      serverCpuMicrosPerRequest: perRequest(after.server - before.server),
      serverSystemCpuMicrosPerRequest: perRequest(after.serverSystem - before.serverSystem),
      storeOperationsPerRequest: {},
      // The machine's counters tick every 10 ms, so an idle machine can come out slightly below zero.
      otherCpuCores: Math.max(
        0,
        (after.machine - before.machine - (after.server - before.server) - (after.store - before.store) - (after.driver - before.driver)) /
        ((after.at - before.at) * 1000),
      ),
    };
    if (storePid !== undefined) record.storeCpuMicrosPerRequest = perRequest(after.store - before.store);
    if (variant.store === 'redis' && stores.redis) {
      for (const [command, calls] of Object.entries(await stores.redis.commandCalls())) {
        record.storeOperationsPerRequest[command] = perRequest(calls);
      }
    }
    if (variant.store === 'dynamodb' && stores.dynamodb) {
      const calls = stores.dynamodb.proxy.take();
      for (const [operation, count] of Object.entries(calls.operations)) record.storeOperationsPerRequest[operation] = perRequest(count);
      record.dynamodb = { calls, cost: dynamoDbCost(calls, served) };
    }
    return record;
  } finally {
    await server.stop();
  }
}

/** Taken once the server has answered every request it received. */
async function snapshot(server: ServerProcess, storePid: number | undefined): Promise<Snapshot> {
  const stats = await server.settle();
  const driver = process.cpuUsage();
  return {
    server: stats.cpu.user + stats.cpu.system,
    serverSystem: stats.cpu.system,
    completed: stats.completed,
    store: storePid === undefined ? 0 : await processCpuMicros(storePid),
    machine: await machineBusyMicros(),
    driver: driver.user + driver.system,
    at: performance.now(),
  };
}

function requireStore<T>(store: T | undefined, variant: Variant): T {
  if (store === undefined) throw new Error(`${variant.name} needs a ${variant.store} store the driver did not start`);
  return store;
}
