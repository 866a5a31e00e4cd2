import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Server, ServerResponse } from 'node:http';
import { type ServerStats, variantNamed } from '../variants.js';
import { BenchModule, type StoreEndpoints } from './bench.module.js';
import { useExpressSession } from './express-session.anchor.js';
import { useFastifySession } from './fastify-session.anchor.js';
import { registerTelemetrySdk } from './telemetry-sdk.js';

/**
 * One variant's server, forked by the driver. It reports its own CPU time and request counts over
 * the IPC channel when asked, so the driver can charge each measured window exactly what the
 * server spent.
 */
async function main(): Promise<void> {
  const variant = variantNamed(process.env.BENCH_VARIANT ?? '');
  const port = Number(process.env.BENCH_PORT);
  const endpoints: StoreEndpoints = {
    ...(process.env.BENCH_REDIS_URL ? { redis: process.env.BENCH_REDIS_URL } : {}),
    ...(process.env.BENCH_DYNAMODB_ENDPOINT ? { dynamodb: process.env.BENCH_DYNAMODB_ENDPOINT } : {}),
  };
  // As an app does: the SDK first, so that the module's meter and tracer are the SDK's.
  if (variant.telemetry === 'sdk') registerTelemetrySdk();
  const module = BenchModule.forVariant(variant, endpoints);
  const options = { logger: ['error' as const, 'warn' as const] };
  let app: INestApplication;
  if (variant.adapter === 'express') {
    app = await NestFactory.create(module, new ExpressAdapter(), options);
    if (variant.implementation === 'express-session') await useExpressSession(app, variant.store, endpoints);
  } else {
    const fastify = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), options);
    if (variant.implementation === 'fastify-session') {
      if (!endpoints.redis) throw new Error(`${variant.name} needs BENCH_REDIS_URL`);
      await useFastifySession(fastify, endpoints.redis, variant.rolling ?? true);
    }
    app = fastify;
  }
  await app.listen(port, '127.0.0.1');

  // Requests answered and still open, so the driver can wait for the load generator's abandoned
  // requests to finish and charge CPU and store calls to exactly the requests served.
  let completed = 0;
  let inFlight = 0;
  (app.getHttpServer() as Server).on('request', (_request, response: ServerResponse) => {
    inFlight++;
    response.once('close', () => {
      inFlight--;
      completed++;
    });
  });
  process.on('message', (message) => {
    if (message === 'stats') process.send?.({ cpu: process.cpuUsage(), completed, inFlight } satisfies ServerStats);
    // A normal exit, not a signal, so that `--cpu-prof` writes its profile.
    if (message === 'stop') void app.close().finally(() => process.exit(0));
  });
  // A driver that crashed or was interrupted must not leave servers behind.
  process.on('disconnect', () => process.exit(0));
  process.send?.('ready');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
