import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SessionService, ensureTable } from '../../src/index.js';
import { type AdminClient, describeSessionAdmin, handleOf, startAdminApp } from '../admin/session-admin.suite.js';
import { recordCommands } from '../support/dynamodb-commands.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { dynamoDbStoreOn } from '../support/store-target.js';

const local = useDynamoDbLocal();

describeSessionAdmin('dynamodb', dynamoDbStoreOn(local));

// What the README's SessionService table says each call costs on DynamoDB, counted on the client.
describe('DynamoDB calls of SessionService and the admin routes', () => {
  const table = 'admin-sessions';
  let commands: string[] = [];
  let client: DynamoDBClient;
  let admin: AdminClient;
  let users = 0;

  beforeAll(async () => {
    client = local.client();
    commands = recordCommands(client, 'countAdminCommands');
    await ensureTable(client, { table });
    admin = await startAdminApp('express', { session: { store: { type: 'dynamodb', client, table } } });
  });
  beforeEach(() => {
    users += 1;
  });
  afterAll(async () => {
    await admin?.app.close();
    client?.destroy();
  });

  async function signIn(count: number): Promise<string[]> {
    const devices = [];
    for (let i = 0; i < count; i++) devices.push(await admin.login(`dora-${users}`));
    commands.length = 0;
    return devices;
  }

  it('lists and counts with one index Query and one BatchGetItem', async () => {
    await signIn(3);
    expect((await admin.list(`dora-${users}`)).body.count).toBe(3);
    expect(await admin.app.get(SessionService).count(`dora-${users}`)).toBe(3);
    expect(commands).toEqual(['Query', 'BatchGetItem', 'Query', 'BatchGetItem']);
  });

  it('ends one session with one DeleteItem', async () => {
    const [device] = await signIn(1);
    expect((await admin.revoke(handleOf(device as string))).status).toBe(204);
    expect(commands).toEqual(['DeleteItem']);
  });

  it('ends all L sessions with the list, then one DeleteItem each', async () => {
    await signIn(2);
    expect((await admin.revokeAll(`dora-${users}`)).body).toEqual({ revoked: 2 });
    expect(commands).toEqual(['Query', 'BatchGetItem', 'DeleteItem', 'DeleteItem']);
  });
});
