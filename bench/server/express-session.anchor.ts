import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { INestApplication } from '@nestjs/common';
import { loadBenchPackage } from '../bench-package.js';
import { BENCH_SECRET, DYNAMODB_TABLES, type StoreName } from '../variants.js';
import { createConnectRedisStore } from './connect-redis.store.js';

type Middleware = (request: unknown, response: unknown, next: (error?: unknown) => void) => void;
interface ExpressSessionPackage {
  (options: {
    secret: string;
    resave: boolean;
    saveUninitialized: boolean;
    store: object;
    cookie: { secure: boolean };
  }): Middleware;
}
type ConnectDynamoDbPackage = (session: ExpressSessionPackage) => new (options: { table: string; client: DynamoDBClient }) => object;

/** express-session with `resave: false` and `saveUninitialized: false`, as its README recommends. */
export async function useExpressSession(app: INestApplication, store: StoreName, endpoints: { redis?: string; dynamodb?: string }): Promise<void> {
  const session = await loadBenchPackage<ExpressSessionPackage>('express-session');
  app.use(
    session({
      secret: BENCH_SECRET,
      resave: false,
      saveUninitialized: false,
      store: await storeFor(session, store, endpoints),
      // Plain HTTP on loopback; the cookie is otherwise the default one.
      cookie: { secure: false },
    }),
  );
}

async function storeFor(
  session: ExpressSessionPackage,
  store: StoreName,
  endpoints: { redis?: string; dynamodb?: string },
): Promise<object> {
  if (store === 'redis' && endpoints.redis) return createConnectRedisStore(endpoints.redis);
  if (store === 'dynamodb' && endpoints.dynamodb) {
    const connectDynamoDb = await loadBenchPackage<ConnectDynamoDbPackage>('connect-dynamodb');
    const DynamoDbStore = connectDynamoDb(session);
    // Region and credentials come from the environment the driver sets, as for our store.
    return new DynamoDbStore({ table: DYNAMODB_TABLES.connect, client: new DynamoDBClient({ endpoint: endpoints.dynamodb }) });
  }
  throw new Error(`express-session variant needs a redis or dynamodb endpoint for store ${store}`);
}
