// Types only: the drivers are loaded below, and only for the store the options name.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadOptionalPeer } from '../stores/optional-peer.js';
import type { ExpressSessionMigrationOptions, LegacySessionStore } from './express-session-migration.options.js';

const DEFAULT_PREFIX = 'sess:';

/** The reader of the old store the options name; an app's own `LegacySessionStore` as it is. */
export async function createLegacyStore(
  source: ExpressSessionMigrationOptions['store'],
  storeTimeout: number,
): Promise<LegacySessionStore> {
  if (!('type' in source)) return source;
  if (source.type === 'connect-redis') {
    const { ConnectRedisSessions } = await import('./connect-redis.legacy-store.js');
    const settings = { prefix: source.prefix ?? DEFAULT_PREFIX, serializer: source.serializer ?? JSON };
    if (source.client) return new ConnectRedisSessions(source.client, settings);
    const { openRedisClient } = await import('../stores/redis/redis-store.factory.js');
    const client = await openRedisClient({ type: 'redis', url: source.url }, storeTimeout, 'migrateFrom with a connect-redis url');
    // By shutdown no request is waiting on it.
    return new ConnectRedisSessions(client, { ...settings, close: async () => client.disconnect() });
  }
  const sdk = await loadOptionalPeer('@aws-sdk/client-dynamodb', 'migrateFrom with connect-dynamodb', () => import('@aws-sdk/client-dynamodb'));
  const { ConnectDynamoDbSessions } = await import('./connect-dynamodb.legacy-store.js');
  // The options check refused anything without `send`; what an app passes is a DynamoDBClient.
  return new ConnectDynamoDbSessions(source.client as DynamoDBClient, {
    table: source.table ?? 'sessions',
    prefix: source.prefix ?? DEFAULT_PREFIX,
    hashKey: source.hashKey ?? 'id',
    commands: sdk,
  });
}
