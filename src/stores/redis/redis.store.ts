import {
  CREATE_SESSION,
  DELETE_SESSION,
  INDEX_SESSION,
  LIST_USER_SESSIONS,
  UPDATE_SESSION,
} from './redis.scripts.js';
import { pingRedis } from './redis-health.js';
import type { ClientInfo, SessionRecord, SessionStore, SessionUpdate, StoredSession } from '../session-store.interface.js';
import type { RedisStoreClient } from './redis-store.options.js';

export interface RedisStoreSettings {
  /** Prefix of every key. Default `sess:`. */
  keyPrefix?: string;
  /** Whether `close()` disconnects the client: true only for a client the module created. */
  ownsClient?: boolean;
}

const DATA = 'd:';
const USER = 'm:u';
const CREATED = 'm:c';
const REFRESHED = 'm:r';
const EXPIRES = 'm:e';
const CLIENT = 'm:k';
const CLOSE_WAIT = 1000;

// Names unlikely to clash with commands an app defines on a client it shares with us.
const SCRIPTS = {
  sessionStoreCreate: { lua: CREATE_SESSION, numberOfKeys: 1 },
  sessionStoreUpdate: { lua: UPDATE_SESSION, numberOfKeys: 1 },
  sessionStoreDelete: { lua: DELETE_SESSION, numberOfKeys: 1 },
  sessionStoreIndex: { lua: INDEX_SESSION, numberOfKeys: 1 },
  sessionStoreList: { lua: LIST_USER_SESSIONS, numberOfKeys: 1 },
} as const;

type Arg = string | number;

/** The commands `defineCommand` adds, which ioredis' own types cannot know about. */
interface ScriptCommands {
  sessionStoreCreate(key: string, ...args: Arg[]): Promise<0 | 1>;
  sessionStoreUpdate(key: string, ...args: Arg[]): Promise<0 | [1] | [1, string]>;
  sessionStoreDelete(key: string): Promise<string | null>;
  sessionStoreIndex(key: string, expiresAt: number, member: string, now: number): Promise<1>;
  sessionStoreList(key: string, now: number): Promise<string[]>;
}

/**
 * Sessions in Redis, one hash per session with a field per data key, expiring by itself at
 * `expiresAt`; a sorted set per user, scored by expiresAt, lists a user's sessions. Every
 * command and script touches one key, so the store works the same on a standalone server,
 * Sentinel or a Cluster. A read is one HGETALL.
 */
export class RedisStore implements SessionStore {
  private readonly prefix: string;
  private readonly ownsClient: boolean;
  private readonly scripts: ScriptCommands;

  constructor(
    private readonly client: RedisStoreClient,
    settings: RedisStoreSettings = {},
  ) {
    this.prefix = settings.keyPrefix ?? 'sess:';
    this.ownsClient = settings.ownsClient ?? false;
    // defineCommand runs scripts with EVALSHA and falls back to EVAL once per server.
    for (const [name, definition] of Object.entries(SCRIPTS)) client.defineCommand(name, definition);
    this.scripts = client as unknown as ScriptCommands;
  }

  async get(key: string): Promise<SessionRecord | null> {
    return recordOf(await this.client.hgetall(this.sessionKey(key)));
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    const fields: Arg[] = [CREATED, record.createdAt, REFRESHED, record.refreshedAt, EXPIRES, record.expiresAt];
    if (record.userId !== null) fields.push(USER, record.userId);
    if (record.client !== undefined) fields.push(CLIENT, JSON.stringify(record.client));
    for (const [name, value] of Object.entries(record.data)) fields.push(DATA + name, JSON.stringify(value));
    const created = await this.scripts.sessionStoreCreate(this.sessionKey(key), record.expiresAt, ...fields);
    if (created !== 1) return false;
    if (record.userId !== null) await this.index(record.userId, key, record.expiresAt, record.createdAt);
    return true;
  }

  async update(key: string, update: SessionUpdate, now: number): Promise<boolean> {
    const userMode = update.userId === undefined ? 'keep' : update.userId === null ? 'clear' : 'set';
    const set = Object.entries(update.set).flatMap(([name, value]) => [DATA + name, JSON.stringify(value)]);
    const result = await this.scripts.sessionStoreUpdate(
      this.sessionKey(key),
      now,
      update.expiresAt,
      update.refreshedAt,
      userMode,
      update.userId ?? '',
      set.length / 2,
      ...set,
      ...update.unset.map((name) => DATA + name),
    );
    if (result === 0) return false;
    // The session write is done; the index lives in another slot, so it follows in its own commands.
    const previous = result[1] ?? null;
    const user = update.userId === undefined ? previous : update.userId;
    await Promise.all([
      previous !== null && previous !== user ? this.client.zrem(this.userKey(previous), key) : undefined,
      // Rescoring on every write keeps a refreshed session from being pruned at its old expiry.
      user !== null ? this.index(user, key, update.expiresAt, now) : undefined,
    ]);
    return true;
  }

  async delete(key: string): Promise<void> {
    const user = await this.scripts.sessionStoreDelete(this.sessionKey(key));
    if (user !== null) await this.client.zrem(this.userKey(user), key);
  }

  async findByUser(userId: string, now: number): Promise<StoredSession[]> {
    const userKey = this.userKey(userId);
    const keys = await this.scripts.sessionStoreList(userKey, now);
    // Single-key commands, not a pipeline: on a Cluster the sessions live on different nodes.
    const records = await Promise.all(keys.map(async (key) => recordOf(await this.client.hgetall(this.sessionKey(key)))));
    const found: StoredSession[] = [];
    const stale: string[] = [];
    records.forEach((record, i) => {
      const key = keys[i] as string;
      // An entry can outlive its session when an index write failed or raced a delete.
      if (record === null || record.userId !== userId) stale.push(key);
      else if (record.expiresAt > now) found.push({ key, record });
    });
    if (stale.length > 0) await this.client.zrem(userKey, ...stale);
    return found;
  }

  /** PING on the server or Sentinel's current master; on a Cluster, on every master (see pingRedis). */
  checkHealth(): Promise<void> {
    return pingRedis(this.client);
  }

  async close(): Promise<void> {
    if (!this.ownsClient || this.client.status === 'end') return;
    // Resolving once the socket is gone lets a shutting-down process exit promptly. Between
    // reconnect attempts there is no socket, and ioredis emits no 'end'; the bound covers any
    // other state that ends without one.
    const socketless = this.client.status === 'reconnecting';
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise((resolve) => {
      if (socketless) resolve(undefined);
      this.client.once('end', resolve);
      timer = setTimeout(resolve, CLOSE_WAIT);
    });
    try {
      // QUIT lets replies in flight arrive; without a connection there is nothing to wait for.
      if (this.client.status === 'ready') await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
    await ended;
    clearTimeout(timer);
  }

  private sessionKey(key: string): string {
    return `${this.prefix}s:${key}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}u:${userId}`;
  }

  private async index(userId: string, key: string, expiresAt: number, now: number): Promise<void> {
    await this.scripts.sessionStoreIndex(this.userKey(userId), expiresAt, key, now);
  }
}

/** A record from HGETALL's answer; null for a missing key (an empty hash). */
function recordOf(hash: Record<string, string>): SessionRecord | null {
  const created = hash[CREATED];
  const refreshed = hash[REFRESHED];
  const expires = hash[EXPIRES];
  const client = hash[CLIENT];
  if (created === undefined || refreshed === undefined || expires === undefined) return null;
  const data: [string, unknown][] = [];
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith(DATA)) data.push([field.slice(DATA.length), JSON.parse(value)]);
  }
  return {
    userId: hash[USER] ?? null,
    // fromEntries defines own properties, so a stored `__proto__` key cannot become a prototype.
    data: Object.fromEntries(data),
    createdAt: Number(created),
    refreshedAt: Number(refreshed),
    expiresAt: Number(expires),
    ...(client !== undefined ? { client: JSON.parse(client) as ClientInfo } : {}),
  };
}
