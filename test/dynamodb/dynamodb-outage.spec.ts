import { once } from 'node:events';
import { type Server, type Socket, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { DynamoDbStoreOptions } from '../../src/index.js';
import { generateSessionId, signSessionId } from '../../src/token/session-token.js';
import { LOCAL_AWS } from '../../tools/local-stores/dynamodb-local.js';
import { freePort } from '../../tools/local-stores/free-port.js';
import { ADAPTERS, type AdapterName, SECRET, type TestApp, createTestApp } from '../support/test-app.js';

/** A server that accepts connections and never answers, as a stalled network path would. */
async function blackHole(): Promise<{ server: Server; sockets: Set<Socket>; endpoint: string }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    // Reads and drops the request, so that the client closing its end is seen here.
    socket.resume();
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { server, sockets, endpoint: `http://127.0.0.1:${port}` };
}

describe.each(ADAPTERS)('DynamoDB outage on %s', (adapter: AdapterName) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function start(store: Partial<DynamoDbStoreOptions>, storeTimeout?: number): Promise<TestApp> {
    const app = await createTestApp(adapter, {
      store: { type: 'dynamodb', table: 'sessions', ...LOCAL_AWS, ...store },
      ...(storeTimeout ? { storeTimeout } : {}),
    });
    cleanup.push(() => app.close());
    return app;
  }
  const me = (app: TestApp) =>
    request(app.server as never).get('/me').set('Cookie', `sid=${signSessionId(generateSessionId(), SECRET)}`);

  it('answers 503 with Retry-After when DynamoDB is unreachable', async () => {
    const app = await start({ endpoint: `http://127.0.0.1:${await freePort()}`, maxAttempts: 1 });
    const res = await me(app);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
  });

  it('answers 503 within the store timeout when DynamoDB stalls, and frees the sockets', async () => {
    const hole = await blackHole();
    cleanup.push(async () => {
      hole.server.close();
      for (const socket of hole.sockets) socket.destroy();
    });
    const app = await start({ endpoint: hole.endpoint, requestTimeout: 300 }, 300);

    const started = Date.now();
    const res = await me(app);
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(hole.sockets.size).toBeGreaterThan(0);
    // The SDK drops each stalled request after requestTimeout, retries included.
    for (let waited = 0; hole.sockets.size > 0 && waited < 5_000; waited += 100) await sleep(100);
    expect(hole.sockets.size).toBe(0);
  });
});
