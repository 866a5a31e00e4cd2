import {
  BatchGetItemCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { beforeAll } from 'vitest';
import { ensureTable } from '../../src/stores/dynamodb/dynamodb-table.js';
import { type DynamoDbLocal, type DynamoDbLocalOptions, startDynamoDbLocal } from '../../tools/local-stores/dynamodb-local.js';
import { useStarted } from './use-started.js';

export type { DynamoDbLocal };

// The JVM's start (up to a minute on a busy machine) and the warm-up.
const START_WITHIN = 120_000;

/**
 * DynamoDB Local for the calling suite, in memory unless told otherwise, started and warmed up
 * in its beforeAll and removed in its afterAll. Each spec file starts its own: the JVM takes
 * seconds to start, a table a millisecond.
 */
export const useDynamoDbLocal = (options: DynamoDbLocalOptions = {}): DynamoDbLocal =>
  useStarted(
    'useDynamoDbLocal()',
    async () => {
      const local = await startDynamoDbLocal(options);
      const client = local.client();
      try {
        await warmUp(client);
      } catch (error) {
        await local.dispose();
        throw error;
      } finally {
        client.destroy();
      }
      return local;
    },
    (local) => local.dispose(),
    START_WITHIN,
  );

/**
 * DynamoDB Local with a `sessions` table for the calling suite, and the variables that point an
 * app process at it. On disk, so that the table survives a stop and a start (an outage); niced,
 * because a (re)starting JVM takes both cores for seconds, and the app processes whose latencies
 * are measured must not starve.
 */
export function useSessionsTableForProcesses(): { local: DynamoDbLocal; env(): Record<string, string> } {
  const local = useDynamoDbLocal({ storage: 'disk', nice: 10 });
  beforeAll(async () => {
    const client = local.client();
    await ensureTable(client, { table: 'sessions' });
    client.destroy();
  });
  const env = () => ({
    SESSION_STORE: 'dynamodb',
    SESSION_DYNAMODB_TABLE: 'sessions',
    SESSION_DYNAMODB_REGION: 'us-east-1',
    SESSION_DYNAMODB_ENDPOINT: local.endpoint,
  });
  return { local, env };
}

/**
 * Runs each operation the store uses once on a scratch table. The emulator's first calls take
 * over a second while the JVM loads their code, longer than the module's default store timeout;
 * so do a restarted emulator's.
 */
export async function warmUp(client: DynamoDBClient): Promise<void> {
  const TableName = 'warm-up';
  const Key = { sid: { S: 'k' } };
  await ensureTable(client, { table: TableName });
  await client.send(new PutItemCommand({ TableName, Item: { ...Key, userId: { S: 'u' }, data: { M: {} } }, ConditionExpression: 'attribute_not_exists(sid)' }));
  await client.send(new GetItemCommand({ TableName, Key, ConsistentRead: true }));
  await client.send(
    new UpdateItemCommand({
      TableName,
      Key,
      UpdateExpression: 'SET #d.#k = :v REMOVE #d.#r',
      ConditionExpression: 'attribute_exists(sid)',
      ExpressionAttributeNames: { '#d': 'data', '#k': 'k', '#r': 'r' },
      ExpressionAttributeValues: { ':v': { N: '1' } },
    }),
  );
  await client.send(
    new QueryCommand({
      TableName,
      IndexName: 'userId-index',
      KeyConditionExpression: 'userId = :u',
      ExpressionAttributeValues: { ':u': { S: 'u' } },
    }),
  );
  await client.send(new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: [Key], ConsistentRead: true } } }));
  await client.send(new DeleteItemCommand({ TableName, Key }));
  await client.send(new DeleteTableCommand({ TableName }));
}
