import { Logger } from '@nestjs/common';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { isPositiveInteger } from '../../config/checks.js';
import { loadOptionalPeer } from '../optional-peer.js';
import { RedisStore } from './redis.store.js';
import type { RedisStoreOptions } from './redis-store.options.js';
import { DEFAULTS } from '../../session.constants.js';
import { type ConfigProblem, SessionConfigError } from '../../config/session-config.error.js';

const DEFAULT_CONNECT_TIMEOUT = 2000;
// Reconnect forever, quickly at first: requests get 503s meanwhile, and succeed again as soon
// as Redis is back, with no restart.
const RECONNECT_CAP = 1000;
const reconnectDelay = (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 10), RECONNECT_CAP);

const logger = new Logger('SessionModule');
// The only options that mean something next to an app-owned client.
const WITH_CLIENT: readonly string[] = ['type', 'client', 'keyPrefix'];

/** Every problem with the options at once, named `store.<option>`. */
function redisOptionProblems(options: RedisStoreOptions): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (name: string, reason: string) => problems.push({ name: `store.${name}`, reason });
  const targets = (['url', 'clusterNodes', 'sentinels', 'client'] as const).filter((name) => options[name] !== undefined);
  if (targets.length === 0) {
    problem('url', 'the redis store needs one of url, clusterNodes, sentinels or client');
  } else if (targets.length > 1) {
    problem(targets[1] as string, `give only one of ${targets.join(', ')}`);
  }
  if (options.url !== undefined) {
    const url = URL.canParse(options.url) ? new URL(options.url) : undefined;
    if (!url || !/^rediss?:$/.test(url.protocol) || !url.hostname) {
      problem('url', 'must be redis://host:port or rediss://host:port for TLS');
    } else {
      // Said twice, one value would silently win; refuse instead.
      if (url.username && options.username !== undefined) problem('username', 'is also in the url; give it once');
      if (url.password && options.password !== undefined) problem('password', 'is also in the url; give it once');
      if (url.pathname.length > 1 && options.db !== undefined) problem('db', 'is also in the url; give it once');
    }
  }
  if (options.cluster && options.url === undefined) problem('cluster', 'cluster: true needs the url of the cluster');
  if (options.clusterNodes !== undefined && (!Array.isArray(options.clusterNodes) || options.clusterNodes.length === 0)) {
    problem('clusterNodes', 'must list at least one host:port');
  }
  if (options.sentinels !== undefined) {
    if (!Array.isArray(options.sentinels) || options.sentinels.length === 0) problem('sentinels', 'must list at least one sentinel');
    if (!options.name) problem('name', 'is required with sentinels: the master group name');
  }
  if (options.client !== undefined) {
    const ignored = Object.entries(options)
      .filter(([name, value]) => value !== undefined && !WITH_CLIENT.includes(name))
      .map(([name]) => name);
    if (ignored.length > 0) problem('client', `an app-owned client is used as is; ${ignored.join(', ')} would be ignored`);
    if (typeof (options.client as { defineCommand?: unknown }).defineCommand !== 'function') {
      problem('client', 'must be an ioredis Redis or Cluster instance');
    }
  }
  if (options.keyPrefix !== undefined && typeof options.keyPrefix !== 'string') problem('keyPrefix', 'must be a string');
  if (options.db !== undefined && !(Number.isInteger(options.db) && options.db >= 0)) problem('db', 'must be an integer of 0 or more');
  if ((options.cluster || options.clusterNodes) && options.db) problem('db', 'a Redis Cluster only has database 0');
  for (const name of ['commandTimeout', 'connectTimeout'] as const) {
    if (options[name] !== undefined && !isPositiveInteger(options[name])) problem(name, 'must be a positive number of milliseconds');
  }
  return problems;
}

type Driver = Pick<typeof import('ioredis'), 'Redis' | 'Cluster'>;

function loadDriver(feature: string): Promise<Driver> {
  return loadOptionalPeer('ioredis', feature, () => import('ioredis'));
}

function tlsOf(options: RedisStoreOptions, url: URL | undefined): RedisOptions['tls'] {
  if (typeof options.tls === 'object') return options.tls;
  const implied =
    url?.protocol === 'rediss:' ||
    (options.clusterNodes ?? []).some((node) => typeof node === 'string' && node.startsWith('rediss://'));
  return options.tls === true || implied ? {} : undefined;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Connection settings that make an outage cost a request a quick 503, never a wait in ioredis'
 * offline queue or retry loop, while reconnecting continues in the background.
 */
function connectionOptions(options: RedisStoreOptions, url: URL | undefined, storeTimeout: number): RedisOptions {
  const commandTimeout = options.commandTimeout ?? storeTimeout;
  return withoutUndefined({
    commandTimeout,
    connectTimeout: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
    // A dead peer that never closes the socket is noticed when commands go unanswered.
    socketTimeout: Math.max(5 * commandTimeout, 5000),
    maxRetriesPerRequest: 0,
    username: options.username ?? (url?.username ? decodeURIComponent(url.username) : undefined),
    password: options.password ?? (url?.password ? decodeURIComponent(url.password) : undefined),
    tls: tlsOf(options, url),
  });
}

function createClient(driver: Driver, options: RedisStoreOptions, storeTimeout: number): Redis | Cluster {
  const url = options.url === undefined ? undefined : new URL(options.url);
  const connection = connectionOptions(options, url, storeTimeout);
  if (options.cluster || options.clusterNodes) {
    // The public option is a plain object so that its type does not need ioredis; it is ioredis'.
    const extra = options.clusterOptions as ClusterOptions | undefined;
    const nodes = options.clusterNodes ?? [{ host: (url as URL).hostname, port: Number((url as URL).port || 6379) }];
    const clusterOptions: ClusterOptions = {
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelay,
      lazyConnect: true,
      // Behind TLS, nodes must be reached by the hostnames their certificates name, as
      // ElastiCache announces them, not by resolved IPs.
      ...(connection.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
      ...extra,
      redisOptions: { ...connection, ...extra?.redisOptions },
    };
    return new driver.Cluster(nodes, clusterOptions);
  }
  const base: RedisOptions = {
    ...connection,
    enableOfflineQueue: false,
    retryStrategy: reconnectDelay,
    lazyConnect: true,
    ...(options.db !== undefined ? { db: options.db } : {}),
    ...(options.sentinels ? { sentinels: options.sentinels, name: options.name } : {}),
    ...(options.redisOptions as RedisOptions | undefined),
  };
  // ioredis reads host, port, credentials, db and query options from the URL itself.
  return options.url !== undefined ? new driver.Redis(options.url, base) : new driver.Redis(base);
}

/**
 * Resolves once the client is ready, or after `within` ms. Boot does not fail when Redis is
 * down: the app starts, session routes answer 503 until Redis is reachable.
 */
async function firstConnection(client: Redis | Cluster, within: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve) => {
    client.once('ready', resolve);
    timer = setTimeout(resolve, within);
  });
  // connect() rejects on a failed first attempt; the retry strategy carries on regardless.
  client.connect().catch(() => undefined);
  await ready;
  clearTimeout(timer);
  if (client.status !== 'ready') {
    logger.warn(`Redis session store not reachable within ${within} ms; session routes answer 503 until it is`);
  }
}

/** Logs one warning per outage and one line on recovery, instead of an error per retry. */
function reportConnectionState(client: Redis | Cluster): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn(`Redis session store connection failed: ${error.message}; reconnecting in the background`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log('Redis session store connection restored');
  });
}

/**
 * Builds a RedisStore from module options, validating them and loading ioredis on demand.
 * Commands time out with the module's `storeTimeout` unless `commandTimeout` says otherwise.
 */
export async function createRedisStore(
  options: RedisStoreOptions,
  storeTimeout: number = DEFAULTS.storeTimeout,
): Promise<RedisStore> {
  const problems = redisOptionProblems(options);
  if (problems.length > 0) throw new SessionConfigError(problems);
  if (options.client) return new RedisStore(options.client, { keyPrefix: options.keyPrefix, ownsClient: false });
  const client = await openRedisClient(options, storeTimeout, 'the Redis store');
  return new RedisStore(client, { keyPrefix: options.keyPrefix, ownsClient: true });
}

/**
 * An ioredis client with the store's fail-fast settings, connected (or reconnecting in the
 * background), for options already checked. Also reads the sessions of connect-redis.
 */
export async function openRedisClient(options: RedisStoreOptions, storeTimeout: number, feature: string): Promise<Redis | Cluster> {
  const driver = await loadDriver(feature);
  const client = createClient(driver, options, storeTimeout);
  // Without a listener, every failed reconnect would print an "Unhandled error event".
  reportConnectionState(client);
  await firstConnection(client, options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT);
  return client;
}
