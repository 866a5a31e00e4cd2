/** Options of the Redis store (`store: { type: 'redis', ... }`). */
export interface RedisStoreOptions {
  type: 'redis';
  /** `redis://` or `rediss://` (TLS) URL. */
  url?: string;
  /** Prefix of every key the store writes. */
  keyPrefix?: string;
}
