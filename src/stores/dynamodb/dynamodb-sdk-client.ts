// Types only: the SDK is loaded at run time only where the DynamoDB store or ensureTable runs.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDbStoreClient } from './dynamodb-store.options.js';

/**
 * The SDK client behind the structural type the public API takes, so that the store's own code
 * keeps the SDK's typed commands and outputs. What an app passes is a DynamoDBClient; the options
 * check refuses anything without `send`. Kept out of the public files: its type names the SDK.
 */
export const sdkClient = (client: DynamoDbStoreClient): DynamoDBClient => client as DynamoDBClient;
