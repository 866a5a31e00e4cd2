import type { INestApplication, Type } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { AdapterName } from './test-app.js';

/** A clock for the module's `clock` option that a test moves forward by hand. */
export interface TestClock {
  now: () => number;
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let now = Date.now();
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

/**
 * Compiles the module into a real Nest app on Express or Fastify, without logs, lets `prepare`
 * configure it (a WebSocket adapter), and starts it: listening on a free local port, or only
 * initialised, for supertest, when `listen` is false.
 */
export async function startNestApp(
  root: Type<unknown>,
  adapter: AdapterName,
  { listen = false, prepare }: { listen?: boolean; prepare?: (app: INestApplication) => void } = {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [root] }).compile();
  const app =
    adapter === 'express'
      ? moduleRef.createNestApplication(new ExpressAdapter(), { logger: false })
      : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  prepare?.(app);
  if (listen) await app.listen(0, '127.0.0.1');
  else await app.init();
  if (adapter === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  return app;
}
