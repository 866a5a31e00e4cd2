import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createSampleApp } from './create-app.js';

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
  // The "your devices" page names each session's browser, which needs the user agent kept.
  process.env.SESSION_CAPTURE_CLIENT ??= 'true';
  const fastify = process.env.SAMPLE_ADAPTER === 'fastify';
  const app = await createSampleApp(fastify ? 'fastify' : 'express');
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  logger.log(`Listening on http://127.0.0.1:${port} (${fastify ? 'Fastify' : 'Express'})`);
}

void bootstrap();
