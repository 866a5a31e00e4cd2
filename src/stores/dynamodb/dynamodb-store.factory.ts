import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { Logger } from '@nestjs/common';
import { type DynamoDbStoreOptions, resolveDynamoDbStoreOptions } from './dynamodb-store.options.js';
import { ensureTable } from './dynamodb-table.js';
import { DEFAULTS } from '../../session.constants.js';
import type { SessionStore } from '../session-store.interface.js';
import { loadOptionalPeer } from '../optional-peer.js';
import { loadDynamoDbSdk } from './aws-errors.js';
import { sdkClient } from './dynamodb-sdk-client.js';

/**
 * Builds the DynamoDB store, loading the optional AWS SDK only now. `storeTimeout` bounds each
 * HTTP request of a client the store creates, so that calls the module gave up on do not keep
 * sockets busy.
 */
export async function createDynamoDbStore(
  options: DynamoDbStoreOptions,
  storeTimeout: number = DEFAULTS.storeTimeout,
): Promise<SessionStore> {
  const settings = resolveDynamoDbStoreOptions(options);
  const sdk = await loadOptionalPeer('@aws-sdk/client-dynamodb', 'the DynamoDB store', loadDynamoDbSdk);
  const { DynamoDbStore } = await import('./dynamodb.store.js');
  const client = options.client ? sdkClient(options.client) : new sdk.DynamoDBClient(clientConfig(options, storeTimeout));
  if (options.autoCreateTable) {
    new Logger('SessionModule').warn(
      `autoCreateTable is for development: create table ${settings.table} with "npx nestjs-session-store create-table" or your infrastructure code in production.`,
    );
    try {
      await ensureTable(client, { table: settings.table, indexName: settings.indexName });
    } catch (error) {
      if (!options.client) client.destroy();
      throw error;
    }
  }
  return new DynamoDbStore(client, settings, options.client === undefined);
}

function clientConfig(options: DynamoDbStoreOptions, storeTimeout: number): DynamoDBClientConfig {
  const config: DynamoDBClientConfig = {
    requestHandler: {
      requestTimeout: options.requestTimeout ?? storeTimeout,
      // Without it, recent SDKs only log a request past requestTimeout and leave its socket open.
      throwOnRequestTimeout: true,
      connectionTimeout: options.connectionTimeout ?? storeTimeout,
    },
  };
  if (options.region !== undefined) config.region = options.region;
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  if (options.retryMode !== undefined) config.retryMode = options.retryMode;
  return config;
}
