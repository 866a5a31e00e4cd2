import { loadBenchPackage } from '../bench-package.js';

interface RedisPackage {
  createClient(options: { url: string }): { connect(): Promise<unknown> };
}
interface ConnectRedisPackage {
  RedisStore: new (options: { client: unknown }) => object;
}

/**
 * connect-redis over node-redis, as its README sets it up; both anchors use it (@fastify/session
 * takes express-session stores).
 */
export async function createConnectRedisStore(url: string): Promise<object> {
  const { createClient } = await loadBenchPackage<RedisPackage>('redis');
  const { RedisStore } = await loadBenchPackage<ConnectRedisPackage>('connect-redis');
  const client = createClient({ url });
  await client.connect();
  return new RedisStore({ client });
}
