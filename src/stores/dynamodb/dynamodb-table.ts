import { loadOptionalPeer } from '../optional-peer.js';
import { errorNamed, loadDynamoDbSdk } from './aws-errors.js';
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { ATTR } from './dynamodb-item.js';
import { DEFAULT_INDEX_NAME, type DynamoDbStoreClient } from './dynamodb-store.options.js';
import { sdkClient } from './dynamodb-sdk-client.js';

export interface EnsureTableOptions {
  /** Name of the sessions table. */
  table: string;
  /** Name of the index on `userId`. Default `userId-index`. */
  indexName?: string;
  /** Milliseconds to wait for the table and its index to become ACTIVE. Default 5 minutes. */
  timeout?: number;
}

export interface EnsureTableResult {
  /** False when the table was already there. */
  created: boolean;
  /** True when this call turned TTL on. */
  ttlEnabled: boolean;
}


/**
 * Creates the sessions table (on-demand billing, key `sid`, a keys-only index on `userId`) if it
 * is missing, waits until it and the index are ACTIVE, and turns TTL on for `expiresAt`.
 * Safe to run again: an existing table is checked, not changed, apart from turning TTL on.
 * Needs `dynamodb:CreateTable`, `DescribeTable`, `UpdateTimeToLive` and `DescribeTimeToLive`.
 */
export async function ensureTable(appClient: DynamoDbStoreClient, options: EnsureTableOptions): Promise<EnsureTableResult> {
  const client = sdkClient(appClient);
  // The SDK is loaded here rather than at the top so that importing this package does not need it.
  const sdk = await loadOptionalPeer('@aws-sdk/client-dynamodb', 'the DynamoDB store', loadDynamoDbSdk);
  const { table } = options;
  const indexName = options.indexName ?? DEFAULT_INDEX_NAME;
  const describe = async (): Promise<TableDescription | undefined> => {
    try {
      return (await client.send(new sdk.DescribeTableCommand({ TableName: table }))).Table;
    } catch (error) {
      if (errorNamed(error, 'ResourceNotFoundException')) return undefined;
      throw error;
    }
  };

  let description = await describe();
  let created = false;
  if (!description) {
    try {
      await client.send(
        new sdk.CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: ATTR.key, AttributeType: 'S' },
            { AttributeName: ATTR.userId, AttributeType: 'S' },
          ],
          KeySchema: [{ AttributeName: ATTR.key, KeyType: 'HASH' }],
          GlobalSecondaryIndexes: [
            {
              IndexName: indexName,
              KeySchema: [{ AttributeName: ATTR.userId, KeyType: 'HASH' }],
              // The store reads sessions back from the table, so the index needs only keys.
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          ],
        }),
      );
      created = true;
    } catch (error) {
      // Another process created it first.
      if (!errorNamed(error, 'ResourceInUseException')) throw error;
    }
    description = await describe();
  }

  const deadline = Date.now() + (options.timeout ?? 300_000);
  for (let wait = 250; !isActive(description, indexName); wait = Math.min(wait * 2, 5_000)) {
    if (description) assertLayout(description, table, indexName);
    if (Date.now() > deadline) throw new Error(`Table ${table} did not become ACTIVE in time`);
    await sleep(wait);
    description = await describe();
  }
  assertLayout(description as TableDescription, table, indexName);

  const ttl = (await client.send(new sdk.DescribeTimeToLiveCommand({ TableName: table }))).TimeToLiveDescription;
  const ttlOn = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING';
  if (ttlOn && ttl?.AttributeName !== ATTR.expiresAt) {
    throw new Error(
      `Table ${table} has TTL on "${ttl?.AttributeName}"; sessions expire by "${ATTR.expiresAt}". Turn TTL off and run this again.`,
    );
  }
  if (ttlOn) return { created, ttlEnabled: false };
  await client.send(
    new sdk.UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: ATTR.expiresAt, Enabled: true },
    }),
  );
  return { created, ttlEnabled: true };
}

function isActive(description: TableDescription | undefined, indexName: string): boolean {
  return (
    description?.TableStatus === 'ACTIVE' &&
    description.GlobalSecondaryIndexes?.find((index) => index.IndexName === indexName)?.IndexStatus === 'ACTIVE'
  );
}

/** Refuses a table the store could not work with, rather than failing on the first request. */
function assertLayout(description: TableDescription, table: string, indexName: string): void {
  const key = description.KeySchema ?? [];
  if (key.length !== 1 || key[0]?.AttributeName !== ATTR.key || key[0].KeyType !== 'HASH') {
    throw new Error(`Table ${table} exists with another key; the session store needs a partition key "${ATTR.key}" (String) only`);
  }
  const index = description.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === indexName);
  if (!index) {
    throw new Error(`Table ${table} has no index "${indexName}"; add a global secondary index on "${ATTR.userId}" (String)`);
  }
  if (index.KeySchema?.[0]?.AttributeName !== ATTR.userId) {
    throw new Error(`Index "${indexName}" of table ${table} must have "${ATTR.userId}" as its partition key`);
  }
}
