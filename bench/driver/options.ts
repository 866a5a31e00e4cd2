import { parseArgs } from 'node:util';
import { QUICK_VARIANTS, VARIANTS, type Variant, variantNamed } from '../variants.js';

export interface BenchOptions {
  quick: boolean;
  rounds: number;
  /** Seconds of load measured per run. */
  duration: number;
  /** Seconds of load before each measured window, to let V8 optimise the server. */
  warmup: number;
  connections: number;
  variants: Variant[];
  /** Write a V8 CPU profile of every server into bench/dist/profiles. */
  cpuProf: boolean;
  /** A results JSON to derive the report from again, instead of measuring. */
  report?: string;
}

const USAGE = `npm run bench -- [--quick] [--rounds N] [--duration S] [--warmup S] [--connections N]
                    [--variants a,b,...] [--cpu-prof]
       npm run bench -- --report bench/results/DATE.json
variants: ${VARIANTS.map((variant) => variant.name).join(', ')}`;

/**
 * The full run defaults to 5 rounds of 8-second windows over 20 connections: 16 variants take
 * about 17 minutes. `--quick` is one round of 2-second windows over three variants, for CI.
 */
export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string', default: '20' },
      variants: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      report: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const names = values.variants?.split(',') ?? (quick ? QUICK_VARIANTS : VARIANTS.map((variant) => variant.name));
  return {
    quick,
    rounds: positive('rounds', values.rounds ?? (quick ? '1' : '5')),
    duration: positive('duration', values.duration ?? (quick ? '2' : '8')),
    warmup: positive('warmup', values.warmup ?? (quick ? '1' : '2')),
    connections: positive('connections', values.connections),
    variants: names.map(variantNamed),
    cpuProf: values['cpu-prof'],
    ...(values.report ? { report: values.report } : {}),
  };
}

function positive(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new Error(`--${name} must be a positive whole number, not ${value}\n${USAGE}`);
  return number;
}
