import { readFile, writeFile } from 'node:fs/promises';
import type { BenchResults } from './bench-results.js';
import { median } from './summary.js';
import type { VariantSummary } from './summary.js';

const START = '<!-- bench:results -->';
const END = '<!-- /bench:results -->';

/** Throughput measured in November 2026 (medians of 5 rounds, 20 connections, 10 s), from the issue. */
const REFERENCE: Record<string, string> = {
  'bare-express': '9.4k',
  'express-session-redis': '5.5k',
  'express-session-dynamodb': '0.85k',
  'bare-fastify': '54k',
  'fastify-session-redis': '11.5k',
  'fastify-session-redis-norolling': '16.3k',
};

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
const thousands = (value: number): string => (Number.isNaN(value) ? '—' : Math.round(value).toLocaleString('en-US'));

function operations(summary: VariantSummary): string {
  const entries = Object.entries(summary.storeOperationsPerRequest).filter(([, count]) => count >= 0.0005);
  return entries.length === 0 ? '—' : entries.map(([command, count]) => `${command} ${count.toFixed(3)}`).join(', ');
}

/**
 * The Markdown of one run: conditions, the results table, DynamoDB cost and the targets.
 * `written` says whether the JSON and the chart it links to were saved.
 */
export function renderResults(results: BenchResults, chartPath: string, written: boolean): string {
  const { settings, machine, medians } = results;
  const other = median(results.runs.map((run) => run.otherCpuCores));
  const lines = [
    `Run of ${results.date} (${results.startedAt} to ${results.finishedAt}): medians of ${settings.rounds} round${settings.rounds === 1 ? '' : 's'}, ` +
      `${settings.connections} connections, ${settings.warmupSeconds} s warm-up then ${settings.durationSeconds} s measured per run, ` +
      `variants alternating within each round. Node ${machine.node}, ${machine.cores} × ${machine.cpuModel}. ` +
      `Load average ${machine.loadAverageAtStart.map((n) => n.toFixed(2)).join(' / ')} at the start, ` +
      `${machine.loadAverageAtEnd.map((n) => n.toFixed(2)).join(' / ')} at the end; other processes used a median ` +
      `${other.toFixed(2)} cores during the measured windows.` +
      (written ? ` Raw runs: \`bench/results/${results.date}.json\`.` : ''),
    '',
    ...(written ? [`![Median requests per second](${chartPath})`, ''] : []),
    '| adapter | variant | req/s | p50 ms | p99 ms | server CPU µs/req | above bare | store ops per `/me` | store CPU µs/req | Nov 2026 ref. |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
    ...medians.map(
      (s) =>
        `| ${s.adapter} | ${s.label} | ${thousands(s.requestsPerSecond)} | ${fixed(s.p50, 0)} | ${fixed(s.p99, 0)} | ` +
        `${fixed(s.serverCpuMicrosPerRequest, 0)} | ${fixed(s.cpuAboveBareMicros, 0)} | ${operations(s)} | ` +
        `${fixed(s.storeCpuMicrosPerRequest, 0)} | ${REFERENCE[s.variant] ?? ''} |`,
    ),
    '',
  ];
  const dynamo = medians.filter((s) => s.dynamodbDollarsPerMillion !== undefined);
  if (dynamo.length > 0) {
    lines.push(
      `**DynamoDB cost per million authenticated requests**, from the calls counted on the wire, the item sizes DynamoDB ` +
        `returned and the ${results.prices.region} on-demand prices ${results.prices.source}: ` +
        `$${results.prices.readRequestUnit} per million read request units, $${results.prices.writeRequestUnit} per million ` +
        'write request units. A strongly consistent read of up to 4 KB is 1 read unit, an eventually consistent one 0.5; ' +
        'a write is 1 write unit per KB. Both stores read strongly consistent (ours by default, connect-dynamodb always).',
      '',
      '| variant | read units / req | write units / req | $ per million requests |',
      '| --- | ---: | ---: | ---: |',
      ...dynamo.map(
        (s) =>
          `| ${s.variant} | ${fixed(s.readUnitsPerRequest, 3)} | ${fixed(s.writeUnitsPerRequest, 3)} | $${fixed(s.dynamodbDollarsPerMillion, 3)} |`,
      ),
      '',
    );
  }
  lines.push(
    '**Targets** (reported, not asserted):',
    '',
    '| target | measured | met |',
    '| --- | --- | --- |',
    ...results.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met === null ? 'not run' : t.met ? 'yes' : '**no**'} |`),
    '',
  );
  return lines.join('\n');
}

/** Replaces the generated section of docs/benchmarks.md, keeping the hand-written text around it. */
export async function writeIntoDocs(path: string, section: string): Promise<void> {
  const current = await readFile(path, 'utf8').catch(() => `# Benchmarks\n\n${START}\n${END}\n`);
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start === -1 || end < start) throw new Error(`${path} lacks the ${START} … ${END} markers the bench writes between`);
  await writeFile(path, `${current.slice(0, start + START.length)}\n${section}${current.slice(end)}`);
}
