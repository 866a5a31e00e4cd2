import type { ConnectRedisClient, LegacySession, LegacySessionStore } from './express-session-migration.options.js';
import { plainRecordOf } from './legacy-record.js';

export interface ConnectRedisSettings {
  prefix: string;
  serializer: { parse(text: string): unknown };
  /** Closes a client the module created; absent for the app's own. */
  close?: () => Promise<void>;
}

/** connect-redis' records: one GET to read, one DEL to remove. */
export class ConnectRedisSessions implements LegacySessionStore {
  constructor(
    private readonly client: ConnectRedisClient,
    private readonly settings: ConnectRedisSettings,
  ) {}

  async get(id: string): Promise<LegacySession | null> {
    const stored = await this.client.get(this.settings.prefix + id);
    if (stored === null || stored === undefined) return null;
    // Redis dropped it at its TTL (the old cookie's expiry, or connect-redis' `ttl`) if it had ended.
    const data = plainRecordOf(() => this.settings.serializer.parse(String(stored)));
    return data ? { data, expiresAt: null } : null;
  }

  async delete(id: string): Promise<void> {
    await this.client.del(this.settings.prefix + id);
  }

  async close(): Promise<void> {
    await this.settings.close?.();
  }
}
