import { type ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, SessionGuard, SessionModule } from '../src/index.js';
import { type CountingStore, countingStore } from './support/counting-store.js';
import { SECRET } from './support/test-app.js';

/** Skips transports the app serves without sessions, as a microservice listener would. */
@Injectable()
class SkipRpcGuard extends SessionGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() === 'rpc';
  }
}

class Handlers {
  handle(): void {}
}

/** An execution context of the given type, as Nest builds one, for a request with no session at all. */
function contextOf(type: string): ExecutionContext {
  const request = { headers: {} };
  const args: Record<string, unknown[]> = {
    http: [request, {}, () => undefined],
    // root, args, context, info: the context as both drivers build it by default.
    graphql: [undefined, {}, { req: request }, { fieldName: 'me', parentType: { name: 'Query' }, operation: { operation: 'query' }, path: { key: 'me' } }],
    // A socket.io socket that reached the gateway with no session, and the message's data.
    ws: [{ id: 'socket-1', handshake: { headers: {}, auth: {} }, data: {} }, {}],
  };
  const context = new ExecutionContextHost(args[type] ?? [{}, {}], Handlers, Handlers.prototype.handle);
  context.setType(type);
  return context;
}

describe('SessionGuard across execution contexts', () => {
  let moduleRef: TestingModule;
  let counting: CountingStore;
  let guard: SessionGuard;
  let skipping: SessionGuard;

  beforeAll(async () => {
    counting = countingStore(new MemoryStore());
    moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ secrets: [SECRET], cookie: { secure: false }, store: counting.store })],
      providers: [SkipRpcGuard],
    }).compile();
    guard = moduleRef.get(SessionGuard);
    skipping = moduleRef.get(SkipRpcGuard);
  });
  afterAll(async () => {
    await moduleRef.close();
  });

  it('refuses an http request without a session with a 401', async () => {
    const refusal = await guard.canActivate(contextOf('http')).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(HttpException);
    expect((refusal as HttpException).getStatus()).toBe(401);
    expect((refusal as Error).message).toBe('Session required');
    expect(counting.calls.get).toBe(0);
  });

  it('refuses a graphql call without a session', async () => {
    await expect(guard.canActivate(contextOf('graphql'))).rejects.toThrow('Session required');
    expect(counting.calls.get).toBe(0);
  });

  it('refuses a ws message from a socket that brought no session', async () => {
    await expect(guard.canActivate(contextOf('ws'))).rejects.toBeInstanceOf(Error);
    expect(counting.calls.get).toBe(0);
  });

  it.each(['rpc', 'kafka-ish-unknown'])('refuses a %s context and says how to skip or extend the guard', async (type) => {
    const refusal = await guard.canActivate(contextOf(type)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(Error);
    const message = (refusal as Error).message;
    expect(message).toContain(type);
    expect(message).toMatch(/shouldSkip/);
    expect(message).toMatch(/extend|subclass/i);
    expect(counting.calls.get).toBe(0);
  });

  it("lets a subclass's shouldSkip through, and only what it skips", async () => {
    await expect(skipping.canActivate(contextOf('rpc'))).resolves.toBe(true);
    await expect(skipping.canActivate(contextOf('kafka-ish-unknown'))).rejects.toThrow(/shouldSkip/);
    await expect(skipping.canActivate(contextOf('http'))).rejects.toThrow('Session required');
    expect(counting.calls.get).toBe(0);
  });
});
