/** Options of the DynamoDB store (`store: { type: 'dynamodb', ... }`). */
export interface DynamoDbStoreOptions {
  type: 'dynamodb';
  /** Name of the sessions table. */
  table?: string;
  region?: string;
  endpoint?: string;
}
