import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Param, Put, UseGuards, ValidationPipe } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AuthController } from '../../sample/auth.controller.js';
import { MeController } from '../../sample/me.controller.js';
import { SessionsController } from '../../sample/sessions.controller.js';
import { CurrentSession, Session, SessionGuard, SessionModule, type SessionModuleOptions, sessionConfig } from '../../src/index.js';
import { UNHANDLED_REJECTION } from './session-process.js';

/**
 * The sample app as a separate process for the multi-instance and outage tests: its routes and
 * env configuration, plus `PUT /preferences/:key` so that concurrent writes to one session can
 * be counted. Any unhandled rejection is reported on stderr for the test to fail on.
 */
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`${UNHANDLED_REJECTION}: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
});

@Controller('preferences')
@UseGuards(SessionGuard)
class PreferencesController {
  @Get()
  list(@CurrentSession() session: Session) {
    return session.toJSON();
  }

  @Put(':key')
  @HttpCode(204)
  set(@Param('key') key: string, @Body() body: { value: unknown }, @CurrentSession() session: Session) {
    session.set(key, body.value);
  }
}

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    SessionModule.forRootAsync({
      imports: [ConfigModule.forFeature(sessionConfig)],
      inject: [sessionConfig.KEY],
      useFactory: (options: SessionModuleOptions) => options,
    }),
  ],
  controllers: [AuthController, MeController, SessionsController, PreferencesController],
})
class SessionServerModule {}

async function main(): Promise<void> {
  const adapter = process.env.SERVER_ADAPTER === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(SessionServerModule, adapter, { logger: ['fatal', 'error', 'warn'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true }));
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  process.stdout.write(`listening on ${process.env.PORT}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`session server failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
