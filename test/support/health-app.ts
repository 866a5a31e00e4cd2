import { type INestApplication, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import request from 'supertest';
import { expect } from 'vitest';
import { HealthController } from '../../sample/health.controller.js';
import { SessionModule, type SessionModuleOptions } from '../../src/index.js';
import { startNestApp } from './nest-app.js';
import { type AdapterName, SECRET } from './test-app.js';

/** A real Nest app with Terminus and the sample's `GET /health`, on the session store these options choose. */
export async function startHealthApp(
  store: SessionModuleOptions['store'],
  options: Partial<SessionModuleOptions> = {},
  adapter: AdapterName = 'express',
): Promise<INestApplication> {
  @Module({
    // Terminus would log each failed check; the tests read the body instead.
    imports: [TerminusModule.forRoot({ logger: false }), SessionModule.forRoot({ secrets: [SECRET], store, ...options })],
    controllers: [HealthController],
  })
  class HealthAppModule {}
  return startNestApp(HealthAppModule, adapter);
}

/** `GET /health` over HTTP: its status code and JSON body. */
export async function getHealth(app: INestApplication): Promise<{ status: number; body: unknown }> {
  const { status, body } = await request(app.getHttpServer()).get('/health');
  return { status, body: body as unknown };
}

/** Terminus' 200 body with the store up. */
export const UP = {
  status: 200,
  body: {
    status: 'ok',
    info: { sessions: { status: 'up', circuit: 'closed' } },
    error: {},
    details: { sessions: { status: 'up', circuit: 'closed' } },
  },
};

/** Terminus' 503 body with the store down, its message matching `message`. */
export function down(message: string | RegExp, circuit: string | RegExp = /^(closed|open|half-open)$/) {
  const sessions = {
    status: 'down',
    message: typeof message === 'string' ? message : expect.stringMatching(message),
    circuit: typeof circuit === 'string' ? circuit : expect.stringMatching(circuit),
  };
  return { status: 503, body: { status: 'error', info: {}, error: { sessions }, details: { sessions } } };
}
