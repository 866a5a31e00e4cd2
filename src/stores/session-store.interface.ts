/**
 * What a store keeps for one session. Times are epoch milliseconds.
 * `expiresAt` is the earlier of the idle and absolute deadlines at the last write, so a store
 * with native expiry (Redis, DynamoDB TTL) can drop the record by itself.
 */
export interface SessionRecord {
  userId: string | null;
  data: Record<string, unknown>;
  createdAt: number;
  refreshedAt: number;
  expiresAt: number;
  /** The client that started the session, when `captureClient` is on; never changed by updates. */
  client?: ClientInfo;
}

export interface ClientInfo {
  userAgent?: string;
  ip?: string;
}

/**
 * A partial write: only the top-level data keys that changed, so that two requests changing
 * different keys of one session both persist.
 */
export interface SessionUpdate {
  set: Record<string, unknown>;
  unset: string[];
  /** Present only when the session's user changed. */
  userId?: string | null;
  refreshedAt: number;
  expiresAt: number;
}

export interface StoredSession {
  key: string;
  record: SessionRecord;
}

/**
 * The contract every store implements. Keys are already hashed session IDs: a store never sees
 * a raw ID. Stores throw on outages; the module turns that into a 503.
 */
export interface SessionStore {
  /** The record as stored, or null. May return a record past `expiresAt`; callers check. */
  get(key: string): Promise<SessionRecord | null>;
  /** Writes a new record; returns false and changes nothing when the key already exists. */
  create(key: string, record: SessionRecord): Promise<boolean>;
  /**
   * Applies the update only if the record exists and `expiresAt > now`; returns false and writes
   * nothing otherwise, so a destroyed or expired session is never brought back.
   */
  update(key: string, update: SessionUpdate, now: number): Promise<boolean>;
  /** Removes the record and its entry in the user index. Missing keys are not an error. */
  delete(key: string): Promise<void>;
  /** The user's sessions that have not expired at `now`. */
  findByUser(userId: string, now: number): Promise<StoredSession[]>;
  /** Releases what the store created (connections, timers); never what the app handed in. */
  close?(): Promise<void>;
  /**
   * Resolves when the store can serve sessions; throws an error that says why not. Used by
   * `SessionHealthIndicator`, which bounds it by `storeTimeout`. A store without it is checked
   * with a `get` of `HEALTH_CHECK_KEY`.
   */
  checkHealth?(): Promise<void>;
}

/** A key no session has (store keys are 43 characters), for health checks that must read one. */
export const HEALTH_CHECK_KEY = 'health-check';

export const SessionStore = Symbol('SESSION:STORE');
