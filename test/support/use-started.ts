import { afterAll, beforeAll } from 'vitest';

/**
 * Starts something in the calling suite's beforeAll (the spec file's, or the describe's it is
 * called in) and disposes of it in its afterAll. Returns at once a stand-in that hands every
 * property to the started thing, so that a spec writes `const redis = useRedisServer()` and
 * reads `redis.url` in its tests and later hooks, as if it were already running.
 */
export function useStarted<T extends object>(
  what: string,
  start: () => Promise<T>,
  dispose: (started: T) => Promise<void>,
  timeout?: number,
): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  }, timeout);
  afterAll(async () => {
    if (started) await dispose(started);
    started = undefined;
  }, timeout);
  return new Proxy({} as T, {
    get: (_, property) => {
      if (!started) {
        // Not a thenable: `await` on the stand-in must not call this.
        if (property === 'then') return undefined;
        throw new Error(`${what} is used outside the suite that started it, or before its beforeAll`);
      }
      const value = Reflect.get(started, property);
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
}
