import { type DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureTable } from '../../src/index.js';
import { recordCommands } from '../support/dynamodb-commands.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { ADAPTERS, type AdapterName, type TestApp, cookiePair, createTestApp } from '../support/test-app.js';

const MINUTE = 60_000;
const TABLE = 'sessions';

const local = useDynamoDbLocal();
let client: DynamoDBClient;
/** Every command sent through the app's client, by name, counted before retries. */
let commands: string[] = [];

beforeAll(async () => {
  client = local.client();
  commands = recordCommands(client, 'countSessionCommands');
  await ensureTable(client, { table: TABLE });
});
afterAll(async () => {
  client?.destroy();
});

describe.each(ADAPTERS)('DynamoDB calls per request on %s', (adapter: AdapterName) => {
  let app: TestApp;

  beforeAll(async () => {
    // A touch interval near the idle timeout: reads within it never write a refresh.
    app = await createTestApp(adapter, { store: { type: 'dynamodb', client, table: TABLE }, touchInterval: 29 * MINUTE });
  });
  beforeEach(() => {
    commands.length = 0;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('reads once per request and writes nothing for a session in use', async () => {
    const login = await request(app.server as never).post('/login').send({ user: 'alice' });
    expect(login.status).toBe(200);
    expect(commands).toEqual(['PutItem']);
    const cookie = cookiePair(login.headers['set-cookie']) as string;
    commands.length = 0;

    const requests = 5;
    for (let i = 0; i < requests; i++) {
      const me = await request(app.server as never).get('/me').set('Cookie', cookie);
      expect(me.status).toBe(200);
    }
    expect(commands).toEqual(Array(requests).fill('GetItem'));
  });

  it('makes no call for a cookie with a forged signature', async () => {
    const forged = `sid=${'A'.repeat(43)}.${'B'.repeat(42)}A`;
    const res = await request(app.server as never).get('/me').set('Cookie', forged);
    expect(res.status).toBe(401);
    expect(commands).toEqual([]);
  });

  it('writes only the changed key, conditionally, on a data change', async () => {
    const login = await request(app.server as never).post('/login').send({ user: 'bob' });
    const cookie = cookiePair(login.headers['set-cookie']) as string;
    commands.length = 0;
    const res = await request(app.server as never).put('/data/theme').set('Cookie', cookie).send({ value: 'dark' });
    expect(res.status).toBe(200);
    expect(commands).toEqual(['GetItem', 'UpdateItem']);
  });
});

it('leaves the client the app handed in open when the app closes', async () => {
  const app = await createTestApp('express', { store: { type: 'dynamodb', client, table: TABLE } });
  await app.close();
  await expect(client.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [TABLE] });
});
