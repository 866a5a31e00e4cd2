import { type DynamicModule, type INestApplication, type NestApplicationOptions, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { SessionSocketAdapter } from '../src/index.js';
import { AppModule, type SampleAdapter } from './app.module.js';

export type { SampleAdapter } from './app.module.js';

/**
 * The sample app as `npm run sample` runs it; the tests boot the very same. A test that needs a
 * route more passes a root module that imports `AppModule.forAdapter(adapter)` beside it.
 */
export async function createSampleApp(
  adapter: SampleAdapter,
  options: NestApplicationOptions = {},
  root: DynamicModule = AppModule.forAdapter(adapter),
): Promise<INestApplication> {
  const http = adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(root, http, options);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  // socket.io for the live devices list, with the session checked at each connection.
  app.useWebSocketAdapter(new SessionSocketAdapter(app, new IoAdapter(app)));
  return app;
}
