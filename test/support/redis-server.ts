import { type RedisCluster, type RedisSentinel, startRedisCluster, startRedisSentinel } from '../../tools/local-stores/redis-topologies.js';
import { type RedisServer, type RedisServerOptions, startRedisServer } from '../../tools/local-stores/redis-server.js';
import { useStarted } from './use-started.js';

export type { RedisCluster, RedisSentinel, RedisServer };

/** A redis-server for the calling suite: started in its beforeAll, removed in its afterAll. */
export const useRedisServer = (options: RedisServerOptions = {}): RedisServer =>
  useStarted('useRedisServer()', () => startRedisServer(options), (server) => server.dispose());

/** Three cluster masters for the calling suite. */
export const useRedisCluster = (): RedisCluster =>
  useStarted('useRedisCluster()', startRedisCluster, (cluster) => cluster.dispose());

/** A Sentinel for the calling suite, watching `master` (a server the suite started before it). */
export const useRedisSentinel = (master: RedisServer): RedisSentinel =>
  useStarted('useRedisSentinel()', () => startRedisSentinel(master.port), (sentinel) => sentinel.dispose());

/** For a spec that starts its server some other way than in a suite's hooks. */
export const startRedis = startRedisServer;
