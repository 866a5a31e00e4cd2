import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { startDynamoDbLocal } from '../../tools/local-stores/dynamodb-local.js';
import { startRedisServer } from '../../tools/local-stores/redis-server.js';
import { type Variant, variantNamed } from '../variants.js';
import type { BenchResults } from './bench-results.js';
import { renderChart } from './chart.js';
import { DYNAMODB_PRICES } from './dynamodb-cost.js';
import { DynamoDbProxy } from './dynamodb-proxy.js';
import { createTables } from './dynamodb-tables.js';
import { type Stores, measure } from './measure.js';
import { type BenchOptions, parseOptions } from './options.js';
import { PATHS } from './paths.js';
import { renderResults, writeIntoDocs } from './report.js';
import type { RunRecord } from './run-record.js';
import { summarize } from './summary.js';
import { checkTargets } from './targets.js';

// DynamoDB Local's JVM interprets at first and compiles its hot code over tens of seconds.
const JVM_WARMUP_SECONDS = 15;

/** Starts the stores, runs every variant once per round in the same order, then reports. */
async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.report) return republish(options.report);
  const startedAt = new Date();
  const loadAverageAtStart = loadavg();
  const stopping: (() => Promise<void>)[] = [];
  const runs: RunRecord[] = [];
  const errors: BenchResults['errors'] = [];
  try {
    const stores = await startStores(options.variants, stopping);
    if (stores.dynamodb) {
      console.log(`Warming DynamoDB Local's JVM for ${JVM_WARMUP_SECONDS} s per DynamoDB variant (not measured)`);
      for (const variant of options.variants.filter((v) => v.store === 'dynamodb')) {
        await measure(variant, 0, stores, { ...options, cpuProf: false, duration: JVM_WARMUP_SECONDS });
      }
    }
    for (let round = 1; round <= options.rounds; round++) {
      for (const variant of options.variants) {
        try {
          const run = await measure(variant, round, stores, options);
          runs.push(run);
          console.log(progressLine(run, options));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          errors.push({ round, variant: variant.name, message });
          console.error(`round ${round} ${variant.name}: FAILED: ${message}`);
        }
      }
    }
  } finally {
    for (const stop of stopping.reverse()) await stop();
  }

  const medians = summarize(runs, options.variants);
  const results: BenchResults = {
    date: startedAt.toISOString().slice(0, 10),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { cpuModel: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadAverageAtStart, loadAverageAtEnd: loadavg() },
    settings: {
      rounds: options.rounds,
      durationSeconds: options.duration,
      warmupSeconds: options.warmup,
      connections: options.connections,
      variants: options.variants.map((variant) => variant.name),
    },
    prices: DYNAMODB_PRICES,
    runs,
    medians,
    targets: checkTargets(medians, runs),
    errors,
  };
  await publish(results, !options.quick);
  return errors.length === 0 ? 0 : 1;
}

/**
 * `--report FILE`: the medians, targets, chart and docs again from the raw runs of an earlier
 * run, after a change to how they are derived; nothing is measured.
 */
async function republish(file: string): Promise<number> {
  const results = JSON.parse(await readFile(file, 'utf8')) as BenchResults;
  results.medians = summarize(results.runs, results.settings.variants.map(variantNamed));
  results.targets = checkTargets(results.medians, results.runs);
  await publish(results, true);
  return 0;
}

/** Prints the report; unless it was a quick run, saves the JSON and the chart and updates the docs. */
async function publish(results: BenchResults, save: boolean): Promise<void> {
  const chartName = `${results.date}.svg`;
  const markdown = renderResults(results, `../bench/results/${chartName}`, save);
  console.log(`\n${markdown}`);
  // A quick run is a smoke test: it reports on the console and leaves the committed results alone.
  if (!save) return;
  await mkdir(PATHS.results, { recursive: true });
  await writeFile(`${PATHS.results}${results.date}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${PATHS.results}${chartName}`, renderChart(results.medians, `Median requests per second, GET /me, ${results.date}`));
  await writeIntoDocs(PATHS.docs, markdown);
  console.log(`Wrote bench/results/${results.date}.json, bench/results/${chartName} and docs/benchmarks.md`);
}

/** Starts only the stores the chosen variants need; each start registers its stop. */
async function startStores(variants: readonly Variant[], stopping: (() => Promise<void>)[]): Promise<Stores> {
  const stores: Stores = {};
  if (variants.some((variant) => variant.store === 'redis')) {
    const redis = await startRedisServer();
    stopping.push(() => redis.dispose());
    stores.redis = redis;
  }
  if (variants.some((variant) => variant.store === 'dynamodb')) {
    // The JVM's own JIT and GC, as a long-running emulator would have (the tests start it quicker).
    const local = await startDynamoDbLocal({ jvm: 'long-running' });
    stopping.push(() => local.dispose());
    const proxy = new DynamoDbProxy(new URL(local.endpoint));
    const endpoint = await proxy.start();
    stopping.push(() => proxy.stop());
    const client = local.client();
    try {
      await createTables(client);
    } finally {
      client.destroy();
    }
    stores.dynamodb = { local, proxy, endpoint };
  }
  return stores;
}

function progressLine(run: RunRecord, options: BenchOptions): string {
  const operations = Object.entries(run.storeOperationsPerRequest)
    .map(([command, count]) => `${command} ${count.toFixed(3)}`)
    .join(', ');
  return (
    `round ${run.round}/${options.rounds} ${run.variant}: ${Math.round(run.requestsPerSecond)} req/s, ` +
    `p50 ${run.p50} ms, p99 ${run.p99} ms, ${run.serverCpuMicrosPerRequest.toFixed(0)} µs CPU/req ` +
    `(${run.serverSystemCpuMicrosPerRequest.toFixed(0)} system)` +
    `${operations ? `, ${operations}` : ''}${run.failures > 0 ? `, ${run.failures} FAILURES` : ''}, ` +
    `others ${run.otherCpuCores.toFixed(2)} cores`
  );
}

process.exitCode = await main();
