import 'reflect-metadata';
import { Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Sample');
  // The sample must start with no set-up at all: a throwaway secret and a plain-HTTP cookie,
  // both said out loud. A real app sets SESSION_SECRETS and keeps Secure cookies.
  if (!process.env.SESSION_SECRETS) {
    process.env.SESSION_SECRETS = randomBytes(32).toString('base64url');
    logger.warn('SESSION_SECRETS is not set: using a random secret, so sessions end when the sample restarts');
  }
  if (!process.env.SESSION_COOKIE_SECURE) {
    process.env.SESSION_COOKIE_SECURE = 'false';
    logger.warn('SESSION_COOKIE_SECURE is not set: sending the cookie over plain HTTP for local use');
  }
  const adapter = process.env.SAMPLE_ADAPTER === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(AppModule, adapter);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  logger.log(`Listening on http://127.0.0.1:${port} (${process.env.SAMPLE_ADAPTER === 'fastify' ? 'Fastify' : 'Express'})`);
}

void bootstrap();
