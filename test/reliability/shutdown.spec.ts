import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureTable } from '../../src/index.js';
import { LOCAL_AWS } from '../../tools/local-stores/dynamodb-local.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { useRedisServer } from '../support/redis-server.js';
import { type TestApp, cookiePair, createTestApp } from '../support/test-app.js';

async function loginWorks(app: TestApp): Promise<void> {
  const res = await request(app.server as never).post('/login').send({ user: 'alice' });
  expect(res.status).toBe(200);
  expect((await request(app.server as never).get('/me').set('Cookie', cookiePair(res.headers['set-cookie']) as string)).status).toBe(200);
}

describe('app.close() with the Redis store', () => {
  const server = useRedisServer();
  let admin: Redis;

  beforeAll(() => {
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    await admin?.quit();
  });

  const connectionNames = async () => String(await admin.client('LIST')).match(/ name=\S*/g) ?? [];

  it('closes the connection the module opened', async () => {
    const app = await createTestApp('express', {
      store: { type: 'redis', url: server.url, redisOptions: { connectionName: 'module-owned' } },
    });
    await loginWorks(app);
    expect(await connectionNames()).toContain(' name=module-owned');
    await app.close();
    // QUIT is acknowledged before the server drops the connection: give it a moment.
    await vi.waitFor(async () => expect(await connectionNames()).not.toContain(' name=module-owned'), { timeout: 2000 });
  });

  it('leaves a client the app passed in open and usable', async () => {
    const client = new Redis(server.url, { connectionName: 'app-owned' });
    const app = await createTestApp('express', { store: { type: 'redis', client } });
    await loginWorks(app);
    await app.close();
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
    expect(await connectionNames()).toContain(' name=app-owned');
    await client.quit();
  });
});

describe('app.close() with the DynamoDB store', () => {
  const local = useDynamoDbLocal();
  const table = 'shutdown-sessions';

  beforeAll(async () => {
    const setup = local.client();
    await ensureTable(setup, { table });
    setup.destroy();
  });

  it('destroys the client the module created', async () => {
    const destroy = vi.spyOn(DynamoDBClient.prototype, 'destroy');
    try {
      const app = await createTestApp('express', {
        store: { type: 'dynamodb', table, endpoint: local.endpoint, ...LOCAL_AWS },
      });
      await loginWorks(app);
      expect(destroy).not.toHaveBeenCalled();
      await app.close();
      expect(destroy).toHaveBeenCalledTimes(1);
      expect(destroy.mock.contexts[0]).toBeInstanceOf(DynamoDBClient);
    } finally {
      destroy.mockRestore();
    }
  });

  it('leaves a client the app passed in working', async () => {
    const client = local.client();
    const destroy = vi.spyOn(client, 'destroy');
    const app = await createTestApp('express', { store: { type: 'dynamodb', client, table } });
    await loginWorks(app);
    await app.close();
    expect(destroy).not.toHaveBeenCalled();
    expect((await client.send(new ListTablesCommand({}))).TableNames).toContain(table);
    client.destroy();
  });
});
