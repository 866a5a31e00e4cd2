/** Whether the AWS SDK threw the named service exception; its classes need the SDK loaded to test with instanceof. */
export function errorNamed(error: unknown, name: string): error is Error {
  return error instanceof Error && error.name === name;
}

/** The SDK as the DynamoDB store, `ensureTable` and the CLI load it: only when they run. */
export const loadDynamoDbSdk = () => import('@aws-sdk/client-dynamodb');
