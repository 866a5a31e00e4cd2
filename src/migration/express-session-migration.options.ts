// No driver types here: these are public, and an app compiles without the drivers it does not use.

/** An express-session record as an old store holds it. */
export interface LegacySession {
  /** express-session's session object as stored: the app's keys and its `cookie`. */
  data: Record<string, unknown>;
  /** When the store says the record ends, in epoch ms; null when the store expires it by itself (Redis). */
  expiresAt: number | null;
}

/**
 * Where the old sessions are: read one by its express-session ID, delete it once moved. The
 * module builds one from `{ type: 'connect-redis' }` or `{ type: 'connect-dynamodb' }`; implement
 * it for any other connect store.
 */
export interface LegacySessionStore {
  /** The record of that express-session ID, or null when there is none. Throws on outages. */
  get(id: string): Promise<LegacySession | null>;
  /** Removes the record; a missing one is not an error. */
  delete(id: string): Promise<void>;
  /** Releases what the module created for it; never what the app handed in. */
  close?(): Promise<void>;
}

/**
 * What the reader asks of a Redis client: node-redis (which connect-redis 9 takes) and ioredis
 * both have it, so the app's own client is passed as it is.
 */
export interface ConnectRedisClient {
  get(key: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

/** Sessions connect-redis wrote: a JSON string at `<prefix><id>`, expired by Redis itself. */
export interface ConnectRedisSource {
  type: 'connect-redis';
  /** The app's node-redis or ioredis client; the module never closes it. Give this or `url`. */
  client?: ConnectRedisClient;
  /** `redis://host:port` or `rediss://` for TLS: the module connects with ioredis and closes it on shutdown. */
  url?: string;
  /** connect-redis' `prefix`. Default `sess:`. */
  prefix?: string;
  /** connect-redis' `serializer`, when the old app set one. Default JSON. */
  serializer?: { parse(text: string): unknown };
}

/** What the reader asks of a DynamoDB client: an @aws-sdk/client-dynamodb `DynamoDBClient` has it. */
export interface ConnectDynamoDbClient {
  send(command: object): Promise<unknown>;
}

/**
 * Sessions connect-dynamodb 3 wrote: an item keyed `<hashKey>` = `<prefix><id>`, with `sess` (the
 * session as a JSON string) and `expires` (epoch seconds).
 */
export interface ConnectDynamoDbSource {
  type: 'connect-dynamodb';
  /** The app's DynamoDBClient; the module never closes it. */
  client: ConnectDynamoDbClient;
  /** connect-dynamodb's `table`. Default `sessions`. */
  table?: string;
  /** connect-dynamodb's `prefix`. Default `sess:`. */
  prefix?: string;
  /** connect-dynamodb's `hashKey`. Default `id`. */
  hashKey?: string;
}

/**
 * Moves the sessions of an app that used express-session into this module as their users come
 * back, so that switching signs nobody out. Copy `secret`, `name` and `cookie` from the old
 * `session({ ... })` call.
 */
export interface ExpressSessionMigrationOptions {
  /** express-session's `secret`: every secret its cookies may be signed with. */
  secret: string | string[];
  /** express-session's `name`. Default `connect.sid`. */
  name?: string;
  /** The `path` and `domain` the old cookie was set with, so that it can be cleared. Default path `/`, host only. */
  cookie?: { path?: string; domain?: string };
  /** The store the old sessions are in. */
  store: ConnectRedisSource | ConnectDynamoDbSource | LegacySessionStore;
  /**
   * The user of an old session, given its data. Default: passport's `passport.user` when it is a
   * string or a number, otherwise none (the session moves without a user).
   */
  userId?: (data: Record<string, unknown>) => string | null | undefined;
}

export interface MigrateFromOptions {
  expressSession: ExpressSessionMigrationOptions;
}

/** How many old sessions the reader has seen since boot, by what became of them. */
export interface MigrationStats {
  /** Moved into a session of ours. */
  migrated: number;
  /** Cookies whose signature failed: no store access. */
  forged: number;
  /** Cookies whose record was gone or past its expiry: one store read each. */
  expired: number;
  /** Live sessions with nothing to move (no user, no data): the old cookie is cleared. */
  empty: number;
  /** Live sessions this module refuses (data too large or not JSON); left where they are, and logged. */
  refused: number;
}
