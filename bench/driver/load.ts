import { loadBenchPackage } from '../bench-package.js';
import { BENCH_USER } from '../variants.js';

/** The members of autocannon's options and result the bench uses. */
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}
interface Histogram {
  average: number;
  total: number;
  p50: number;
  p99: number;
}
interface AutocannonResult {
  requests: Histogram;
  latency: Histogram;
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: AutocannonOptions, done: (error: Error | null, result: AutocannonResult) => void) => unknown;

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  /** Milliseconds. */
  p50: number;
  /** Milliseconds. */
  p99: number;
  /** Responses that were not 2xx, plus errors and timeouts: any makes the run invalid. */
  failures: number;
  seconds: number;
}

/** Logs in once and returns the Cookie header that carries the session (empty for the bare app). */
export async function logIn(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: BENCH_USER }),
  });
  if (response.status !== 200) throw new Error(`POST /login answered ${response.status}`);
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';', 1)[0])
    .join('; ');
  const me = await fetch(`${baseUrl}/me`, { headers: cookie ? { cookie } : {} });
  const body = (await me.json()) as { user?: string };
  if (me.status !== 200 || body.user !== BENCH_USER) throw new Error(`GET /me after login answered ${me.status} ${JSON.stringify(body)}`);
  return cookie;
}

/** Loads `GET /me` with the session cookie over a fixed number of connections for `seconds`. */
export async function loadMe(baseUrl: string, cookie: string, connections: number, seconds: number): Promise<LoadResult> {
  const autocannon = await loadBenchPackage<Autocannon>('autocannon');
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    autocannon(
      { url: `${baseUrl}/me`, connections, duration: seconds, headers: cookie ? { cookie } : {} },
      (error, answer) => (error ? reject(error) : resolve(answer)),
    );
  });
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    seconds: result.duration,
  };
}
