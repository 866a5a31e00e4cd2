import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { createDynamoDbStore } from '../../src/stores/dynamodb/dynamodb-store.factory.js';
import { ensureTable } from '../../src/index.js';
import { describeSessionE2E } from '../e2e/session-e2e.suite.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../support/dynamodb-local.js';

let local: DynamoDbLocal;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  local = await startDynamoDbLocal();
  client = local.client();
});
afterAll(async () => {
  client?.destroy();
  await local?.stop();
});

describeSessionE2E('dynamodb', async () => {
  const table = `sessions-e2e-${++tables}`;
  await ensureTable(client, { table });
  const store = await createDynamoDbStore({ type: 'dynamodb', client, table });
  return { store, close: async () => store.close?.() };
});
