import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Param, Put, UseGuards } from '@nestjs/common';
import { AppModule } from '../../sample/app.module.js';
import { createSampleApp } from '../../sample/create-app.js';
import { CurrentSession, Session, SessionGuard } from '../../src/index.js';
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

@Module({})
class SessionServerModule {}

async function main(): Promise<void> {
  const adapter = process.env.SERVER_ADAPTER === 'fastify' ? 'fastify' : 'express';
  const root = { module: SessionServerModule, imports: [AppModule.forAdapter(adapter)], controllers: [PreferencesController] };
  const app = await createSampleApp(adapter, { logger: ['fatal', 'error', 'warn'] }, root);
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  process.stdout.write(`listening on ${process.env.PORT}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`session server failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
