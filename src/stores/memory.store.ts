import { SessionStoreUnavailableError } from '../session/session.errors.js';
import type { SessionRecord, SessionStore, SessionUpdate, StoredSession } from './session-store.interface.js';

const SWEEP_INTERVAL = 60_000;

interface Entry {
  json: string;
  userId: string | null;
  expiresAt: number;
}

/**
 * A store for development and tests: bounded, process-local, gone on restart. Values are kept
 * as JSON so that callers never share objects with it, as with a real store.
 *
 * When full, it evicts the least recently used session without a user. A signed-in session is
 * evicted only to make room for another one, so that a flood of anonymous requests, which anyone
 * can send, never signs users out: a new session without a user is then refused with
 * `SessionStoreUnavailableError` (503 and `Retry-After`).
 */
export class MemoryStore implements SessionStore {
  // JSON plus the two fields the store itself needs, so sweeps and indexing never parse.
  private readonly records = new Map<string, Entry>();
  // The keys of sessions without a user, least recently used first, so eviction needs no scan.
  private readonly anonymous = new Set<string>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly maxSessions = 10_000) {
    this.sweeper = setInterval(() => this.sweep(Date.now()), SWEEP_INTERVAL);
    this.sweeper.unref();
  }

  get size(): number {
    return this.records.size;
  }

  async get(key: string): Promise<SessionRecord | null> {
    const entry = this.records.get(key);
    if (entry === undefined) return null;
    // Re-inserting keeps the Map in least-recently-used order for eviction.
    this.records.delete(key);
    this.records.set(key, entry);
    if (entry.userId === null) this.markAnonymous(key);
    return JSON.parse(entry.json) as SessionRecord;
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    if (this.records.has(key)) return false;
    if (this.records.size >= this.maxSessions) this.makeRoom(record.userId !== null);
    this.write(key, record);
    return true;
  }

  async update(key: string, update: SessionUpdate, now: number): Promise<boolean> {
    const entry = this.records.get(key);
    if (entry === undefined || entry.expiresAt <= now) return false;
    const record = JSON.parse(entry.json) as SessionRecord;
    for (const [name, value] of Object.entries(update.set)) record.data[name] = value;
    for (const name of update.unset) delete record.data[name];
    if (update.userId !== undefined && update.userId !== record.userId) {
      this.unindex(key, record.userId);
      record.userId = update.userId;
    }
    record.refreshedAt = update.refreshedAt;
    record.expiresAt = update.expiresAt;
    this.write(key, record);
    return true;
  }

  async delete(key: string): Promise<void> {
    const entry = this.records.get(key);
    if (entry === undefined) return;
    this.records.delete(key);
    this.anonymous.delete(key);
    this.unindex(key, entry.userId);
  }

  async findByUser(userId: string, now: number): Promise<StoredSession[]> {
    const found: StoredSession[] = [];
    for (const key of this.byUser.get(userId) ?? []) {
      const entry = this.records.get(key);
      if (entry !== undefined && entry.expiresAt > now) {
        found.push({ key, record: JSON.parse(entry.json) as SessionRecord });
      }
    }
    return found;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  /** Always up: the store is this process. */
  async checkHealth(): Promise<void> {}

  private write(key: string, record: SessionRecord): void {
    this.records.delete(key);
    this.records.set(key, { json: JSON.stringify(record), userId: record.userId, expiresAt: record.expiresAt });
    if (record.userId === null) {
      this.markAnonymous(key);
    } else {
      this.anonymous.delete(key);
      let keys = this.byUser.get(record.userId);
      if (!keys) this.byUser.set(record.userId, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, userId: string | null): void {
    if (userId === null) return;
    const keys = this.byUser.get(userId);
    keys?.delete(key);
    if (keys?.size === 0) this.byUser.delete(userId);
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.records) {
      if (entry.expiresAt <= now) void this.delete(key);
    }
  }

  private markAnonymous(key: string): void {
    this.anonymous.delete(key);
    this.anonymous.add(key);
  }

  private makeRoom(forUser: boolean): void {
    this.sweep(Date.now());
    if (this.records.size < this.maxSessions) return;
    const victim = this.anonymous.values().next().value ?? (forUser ? this.records.keys().next().value : undefined);
    // Anonymous sessions end within minutes, so retrying later is the honest answer.
    if (victim === undefined) throw new SessionStoreUnavailableError();
    void this.delete(victim);
  }
}
