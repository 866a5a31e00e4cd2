// @types/node, which every Nest app has, rather than ioredis: the types a user compiles against
// name no optional peer, so an app that does not use this store type-checks without ioredis.
import type { ConnectionOptions } from 'node:tls';

/**
 * What the Redis store asks of a client: an ioredis `Redis` or `Cluster` has all of it, so an app
 * passes its own as it is. Spelled out here so that these types do not need ioredis installed.
 */
export interface RedisStoreClient {
  readonly status: string;
  defineCommand(name: string, definition: { lua: string; numberOfKeys: number }): unknown;
  hgetall(key: string): Promise<Record<string, string>>;
  zrem(key: string, ...members: string[]): Promise<number>;
  ping(): Promise<unknown>;
  once(event: 'end', listener: (...args: unknown[]) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** A Redis Cluster node: `host:port`, `redis://host:port` (`rediss://` turns TLS on) or an object. */
export type RedisClusterNode = string | { host: string; port: number };

/**
 * Options of the Redis store (`store: { type: 'redis', ... }`). Give exactly one of `url`,
 * `clusterNodes`, `sentinels` or `client`.
 */
export interface RedisStoreOptions {
  type: 'redis';
  /**
   * `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS (ElastiCache and MemoryDB
   * with in-transit encryption). With `cluster: true`, the cluster's configuration endpoint.
   */
  url?: string;
  /** Treat `url` as the entry point of a Redis Cluster (ElastiCache "cluster mode enabled"). */
  cluster?: boolean;
  /** Entry points of a Redis Cluster; the client discovers the other nodes. */
  clusterNodes?: RedisClusterNode[];
  /** Sentinels to ask for the current master of `name`. */
  sentinels?: { host: string; port: number }[];
  /** The master group name the sentinels monitor; required with `sentinels`. */
  name?: string;
  /**
   * An ioredis `Redis` or `Cluster` the app created and owns: the store never closes it. Set the
   * fail-fast options described in the README's Redis section on it, or an outage makes requests wait.
   */
  client?: RedisStoreClient;
  /** Prefix of every key the store writes, so several apps can share one Redis. Default `sess:`. */
  keyPrefix?: string;
  /** TLS options; `true` for defaults. Implied by a `rediss://` URL. */
  tls?: boolean | ConnectionOptions;
  /** ACL user, when not in the URL. */
  username?: string;
  /** Password or auth token, when not in the URL. */
  password?: string;
  /** Database index on a standalone server. Clusters only have 0. */
  db?: number;
  /**
   * Milliseconds a Redis command may take before it fails. Default: the module's `storeTimeout`,
   * which bounds what a request waits anyway; keep it no larger.
   */
  commandTimeout?: number;
  /** Milliseconds to open a connection, and the longest boot waits for the first one. Default 2000. */
  connectTimeout?: number;
  /**
   * Further ioredis `RedisOptions` for a standalone or Sentinel client (e.g. `sentinelPassword`,
   * `connectionName`), applied over the store's fail-fast settings: override those knowingly.
   * Passed to ioredis as they are; write `{ ... } satisfies RedisOptions` to have ioredis' types
   * check them.
   */
  redisOptions?: object;
  /** Further ioredis `ClusterOptions` for a Cluster client (e.g. `natMap`, `scaleReads`), applied the same way. */
  clusterOptions?: object;
}
