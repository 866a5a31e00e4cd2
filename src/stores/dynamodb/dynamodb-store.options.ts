import { DYNAMODB_MAX_ITEM_SIZE } from './dynamodb-item.js';
import { type ConfigProblem, SessionConfigError } from '../../config/session-config.error.js';
import { isPositiveInteger } from '../../config/checks.js';

// The public types below name no AWS package, so that an app that does not use this store
// type-checks without the SDK; the SDK's own types fit them.

/**
 * What the DynamoDB store and `ensureTable` ask of a client: a `DynamoDBClient` of
 * @aws-sdk/client-dynamodb v3, which an app passes as it is.
 */
export interface DynamoDbStoreClient {
  send(command: object): Promise<unknown>;
}

/** AWS credentials, as the SDK's `AwsCredentialIdentity`. */
export interface DynamoDbCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly credentialScope?: string;
  readonly accountId?: string;
  readonly expiration?: Date;
}

/**
 * Options of the DynamoDB store (`store: { type: 'dynamodb', ... }`). The table must exist with
 * the layout `ensureTable` creates (see the README's DynamoDB section), unless `autoCreateTable` is on.
 */
export interface DynamoDbStoreOptions {
  type: 'dynamodb';
  /** Name of the sessions table. Required. */
  table?: string;
  /**
   * A `DynamoDBClient` the app already has. The store uses it as it is and never destroys it; region,
   * endpoint, credentials, retry and timeout options must then be left out.
   */
  client?: DynamoDbStoreClient;
  /** AWS region of the table. Default: the SDK's resolution (`AWS_REGION`, profile). */
  region?: string;
  /** Another endpoint, such as DynamoDB Local (`http://localhost:8000`). */
  endpoint?: string;
  /**
   * Credentials, or a provider of them such as `fromIni()` of @aws-sdk/credential-providers.
   * Default: the SDK's default credential chain.
   */
  credentials?: DynamoDbCredentials | (() => Promise<DynamoDbCredentials>);
  /**
   * Strongly consistent reads. Default true: with eventually consistent reads, a session signed
   * out on one instance can be read as live by another for up to a second.
   */
  consistentRead?: boolean;
  /** Attempts per call, the first included, when DynamoDB throttles or fails. SDK default 3. */
  maxAttempts?: number;
  /** The SDK's retry strategy. SDK default `standard`. */
  retryMode?: 'standard' | 'adaptive';
  /**
   * Milliseconds before the SDK gives up on one HTTP request. Default: the module's
   * `storeTimeout`, so that requests the module abandoned do not hold sockets.
   */
  requestTimeout?: number;
  /** Milliseconds to open a connection. Default: the module's `storeTimeout`, like `requestTimeout`. */
  connectionTimeout?: number;
  /** Name of the global secondary index on `userId`. Default `userId-index`. */
  indexName?: string;
  /**
   * Largest item the store writes, in bytes by DynamoDB's size rules. Default and upper bound
   * 400 KiB, DynamoDB's limit.
   */
  maxItemSize?: number;
  /**
   * Create the table, its index and TTL at startup when missing. For development only: it needs
   * permissions the app should not have in production, and logs a warning.
   */
  autoCreateTable?: boolean;
}

export const DEFAULT_INDEX_NAME = 'userId-index';

/** What the store itself needs, defaults applied. */
export interface DynamoDbStoreSettings {
  table: string;
  indexName: string;
  consistentRead: boolean;
  maxItemSize: number;
}

// DynamoDB's rule for table and index names.
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const CLIENT_OPTIONS = [
  'region',
  'endpoint',
  'credentials',
  'maxAttempts',
  'retryMode',
  'requestTimeout',
  'connectionTimeout',
] as const;

/** Applies defaults and checks every option, throwing one error that lists all problems. */
export function resolveDynamoDbStoreOptions(options: DynamoDbStoreOptions): DynamoDbStoreSettings {
  const problems: ConfigProblem[] = [];
  const problem = (name: string, reason: string) => problems.push({ name: `store.${name}`, reason });
  const settings: DynamoDbStoreSettings = {
    table: options.table ?? '',
    indexName: options.indexName ?? DEFAULT_INDEX_NAME,
    consistentRead: options.consistentRead ?? true,
    maxItemSize: options.maxItemSize ?? DYNAMODB_MAX_ITEM_SIZE,
  };

  if (!options.table) problem('table', 'is required: the name of the DynamoDB sessions table');
  else if (!TABLE_NAME.test(options.table)) problem('table', 'must be 3 to 255 of A-Z, a-z, 0-9, _, - and .');
  if (!TABLE_NAME.test(settings.indexName)) problem('indexName', 'must be 3 to 255 of A-Z, a-z, 0-9, _, - and .');
  if (typeof settings.consistentRead !== 'boolean') problem('consistentRead', 'must be true or false');
  if (!isPositiveInteger(settings.maxItemSize) || settings.maxItemSize > DYNAMODB_MAX_ITEM_SIZE) {
    problem('maxItemSize', `must be a positive integer of at most ${DYNAMODB_MAX_ITEM_SIZE} (DynamoDB's item limit)`);
  }
  if (options.client !== undefined) {
    if (typeof (options.client as { send?: unknown }).send !== 'function') {
      problem('client', 'must be a DynamoDBClient from @aws-sdk/client-dynamodb');
    }
    for (const name of CLIENT_OPTIONS) {
      if (options[name] !== undefined) problem(name, 'configures the client the store creates; set it on your own client instead');
    }
  }
  if (options.endpoint !== undefined && !/^https?:\/\//.test(options.endpoint)) {
    problem('endpoint', 'must be an http:// or https:// URL');
  }
  for (const name of ['maxAttempts', 'requestTimeout', 'connectionTimeout'] as const) {
    if (options[name] !== undefined && !isPositiveInteger(options[name])) problem(name, 'must be a positive integer');
  }
  if (options.retryMode !== undefined && !['standard', 'adaptive'].includes(options.retryMode)) {
    problem('retryMode', 'must be standard or adaptive');
  }
  if (options.autoCreateTable !== undefined && typeof options.autoCreateTable !== 'boolean') {
    problem('autoCreateTable', 'must be true or false');
  }

  if (problems.length > 0) throw new SessionConfigError(problems);
  return settings;
}
