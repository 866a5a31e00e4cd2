import type { DynamoDbCalls } from './dynamodb-proxy.js';

/**
 * DynamoDB on-demand prices in us-east-1, in US dollars per million request units, as published
 * by AWS, November 2024 price list (after the November 2024 on-demand price cut).
 */
export const DYNAMODB_PRICES = {
  region: 'us-east-1',
  source: 'as published by AWS, November 2024 price list (on-demand, after the November 2024 price cut)',
  readRequestUnit: 0.125,
  writeRequestUnit: 0.625,
} as const;

const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem'];
const READ_UNIT_BYTES = 4096;
const WRITE_UNIT_BYTES = 1024;

export interface DynamoDbCost {
  readUnitsPerRequest: number;
  writeUnitsPerRequest: number;
  /** US dollars per million authenticated `GET /me` requests. */
  dollarsPerMillion: number;
}

/**
 * Request units per request and their price. A strongly consistent read of up to 4 KB costs one
 * read unit, an eventually consistent one half; a write costs one write unit per started KB of
 * the item. Writes are charged at the size of the item the reads returned: a session item's size
 * barely changes on a refresh.
 */
export function dynamoDbCost(calls: DynamoDbCalls, requests: number): DynamoDbCost {
  const reads = calls.operations.GetItem ?? 0;
  const readUnitsPerItem = Math.max(1, Math.ceil(calls.largestItemBytes / READ_UNIT_BYTES));
  const readUnits = (calls.consistentReads + (reads - calls.consistentReads) / 2) * readUnitsPerItem;
  const writes = WRITES.reduce((sum, operation) => sum + (calls.operations[operation] ?? 0), 0);
  const writeUnits = writes * Math.max(1, Math.ceil(calls.largestItemBytes / WRITE_UNIT_BYTES));
  const readUnitsPerRequest = readUnits / requests;
  const writeUnitsPerRequest = writeUnits / requests;
  return {
    readUnitsPerRequest,
    writeUnitsPerRequest,
    dollarsPerMillion: readUnitsPerRequest * DYNAMODB_PRICES.readRequestUnit + writeUnitsPerRequest * DYNAMODB_PRICES.writeRequestUnit,
  };
}
