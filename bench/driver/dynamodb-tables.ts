import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../src/index.js';
import { DYNAMODB_TABLES } from '../variants.js';

/**
 * Creates both stores' tables before any server starts: ours with `ensureTable`, as our README
 * has users do, and connect-dynamodb's with the layout it creates itself (partition key `id`)
 * and TTL on its `expires` attribute, as its README recommends. Left to connect-dynamodb, the
 * table would be created on the first request, and a race there crashes the server.
 */
export async function createTables(client: DynamoDBClient): Promise<void> {
  await ensureTable(client, { table: DYNAMODB_TABLES.ours });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: DYNAMODB_TABLES.connect,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: DYNAMODB_TABLES.connect,
      TimeToLiveSpecification: { AttributeName: 'expires', Enabled: true },
    }),
  );
}
