import { fileURLToPath } from 'node:url';

// The compiled driver runs from bench/dist/bench/driver/; these name places in the repository.
const root = (path: string): string => fileURLToPath(new URL(`../../../../${path}`, import.meta.url));

export const PATHS = {
  results: root('bench/results/'),
  profiles: root('bench/dist/profiles/'),
  docs: root('docs/benchmarks.md'),
} as const;
