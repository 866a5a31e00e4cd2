import type { ConnectionOptions } from 'node:tls';
// Types only: ioredis is an optional peer, loaded at run time only when this store is chosen.
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';

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
  client?: Redis | Cluster;
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
   * Further ioredis options for a standalone or Sentinel client (e.g. `sentinelPassword`,
   * `connectionName`), applied over the store's fail-fast settings: override those knowingly.
   */
  redisOptions?: RedisOptions;
  /** Further ioredis options for a Cluster client (e.g. `natMap`, `scaleReads`), applied the same way. */
  clusterOptions?: ClusterOptions;
}
