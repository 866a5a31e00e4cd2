import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadBenchPackage } from '../bench-package.js';
import { BENCH_SECRET } from '../variants.js';
import { createConnectRedisStore } from './connect-redis.store.js';

// A plugin function, as both packages export; the register overloads also take wrapped forms.
type FastifyPlugin = Extract<Parameters<NestFastifyApplication['register']>[0], (...args: never[]) => unknown>;

/**
 * @fastify/cookie and @fastify/session with a Redis store, `saveUninitialized: false` as for
 * express-session, and `rolling` as given (its default is true).
 */
export async function useFastifySession(app: NestFastifyApplication, redisUrl: string, rolling: boolean): Promise<void> {
  await app.register(await loadBenchPackage<FastifyPlugin>('@fastify/cookie'));
  await app.register(await loadBenchPackage<FastifyPlugin>('@fastify/session'), {
    secret: BENCH_SECRET,
    store: await createConnectRedisStore(redisUrl),
    saveUninitialized: false,
    rolling,
    cookie: { secure: false },
  });
}
