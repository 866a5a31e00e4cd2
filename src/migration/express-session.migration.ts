import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'node:http';
import { unsignExpressSessionCookie } from './express-session-cookie.js';
import type {
  LegacySession,
  LegacySessionStore,
  MigrateFromOptions,
  MigrationStats,
} from './express-session-migration.options.js';
import { createLegacyStore } from './legacy-store.factory.js';
import { passportUserId } from '../session/passport-user.js';
import type { Session, SessionData } from '../session/session.js';
import { assertJsonValue, assertSafeKey } from '../session/session-data.js';
import { InvalidSessionDataError, SessionDataTooLargeError } from '../session/session.errors.js';
import type { SessionRecord } from '../stores/session-store.interface.js';
import { cookieValues } from '../transport/cookie-header.token-carrier.js';
import { isObject } from '../config/checks.js';

/** @internal A session of ours made from an old one, before any request holds it. */
export interface MovedSession {
  id: string;
  key: string;
  record: SessionRecord;
}

/** @internal */
export interface MigratingRequest {
  headers: IncomingHttpHeaders;
  ip?: string;
}

/** @internal What the migration needs of `SessionManager`, which implements it. */
export interface MigrationTarget {
  now(): number;
  /** A store call with the module's timeout: a failure or a slow answer is a 503. */
  call<R>(operation: () => Promise<R>): Promise<R>;
  /** Checks the size as `set` does (throwing its error) and stores a new session. */
  create(userId: string | null, data: SessionData, request: MigratingRequest): Promise<MovedSession>;
  /** The request's session of a moved one, its cookie sent with `response`. */
  open(moved: MovedSession, response: unknown): Session<any>;
  /** The same for one moved a moment ago, read again (one store read): it may have ended since. */
  reopen(moved: MovedSession, response: unknown): Promise<Session<any> | null>;
}

interface Settings {
  secrets: readonly string[];
  name: string;
  cookie: { path: string; domain?: string };
  store: LegacySessionStore;
  /** Whether the module built the store, and so closes it. */
  ownsStore: boolean;
  userId: (data: Record<string, unknown>) => string | null | undefined;
}

// One log line for the first moved session and then one per this many: enough to see the
// migration run down without a line per request.
const LOG_EVERY = 100;
// How long the old cookie still opens the session it was moved into, for the requests a browser
// sent with it before the answer that replaced it arrived (a page loading its resources).
const RECENT_WITHIN = 30_000;
const RECENT_MAX = 10_000;

/** Whether neither the old store nor the old cookie says the session has ended. */
function isLive(legacy: LegacySession, now: number): boolean {
  if (legacy.expiresAt !== null && now >= legacy.expiresAt) return false;
  const cookie = legacy.data['cookie'];
  const expires = isObject(cookie) ? cookie['expires'] : undefined;
  // A browser-session cookie: the store's own expiry is all there is.
  if (expires === undefined || expires === null) return true;
  const at = typeof expires === 'string' || typeof expires === 'number' ? new Date(expires).getTime() : Number.NaN;
  // An expiry that does not parse is not taken for a live session.
  return now < at;
}

type Outcome = MovedSession | 'gone' | 'kept';

/**
 * Reads the sessions of an app that used express-session (`migrateFrom.expressSession`) and moves
 * each into a session of ours the first time its user comes back: verify the old cookie (no
 * store access for a bad signature), read the old record, create ours with its data and user,
 * delete the old record, send our cookie and clear the old one. Inject it to read `stats()`.
 */
export class ExpressSessionMigration implements OnApplicationShutdown {
  private readonly logger = new Logger('SessionModule');
  private readonly counts: MigrationStats = { migrated: 0, forged: 0, expired: 0, empty: 0, refused: 0 };
  // Requests a browser sends at once with the same old cookie share one move, rather than each
  // making a session of its own.
  private readonly moving = new Map<string, Promise<Outcome>>();
  // Old session ID → the session it became and when, oldest first.
  private readonly recent = new Map<string, { moved: MovedSession; at: number }>();

  private constructor(
    private readonly settings: Settings | undefined,
    private readonly adapterHost: HttpAdapterHost | undefined,
  ) {}

  /** @internal The migration the options ask for; one that does nothing without `migrateFrom`. */
  static async create(
    options: MigrateFromOptions | undefined,
    storeTimeout: number,
    adapterHost: HttpAdapterHost,
  ): Promise<ExpressSessionMigration> {
    const from = options?.expressSession;
    if (!from) return new ExpressSessionMigration(undefined, undefined);
    const settings: Settings = {
      secrets: typeof from.secret === 'string' ? [from.secret] : [...from.secret],
      name: from.name ?? 'connect.sid',
      cookie: { path: from.cookie?.path ?? '/', ...(from.cookie?.domain ? { domain: from.cookie.domain } : {}) },
      store: await createLegacyStore(from.store, storeTimeout),
      ownsStore: 'type' in from.store,
      userId: from.userId ?? passportUserId,
    };
    return new ExpressSessionMigration(settings, adapterHost);
  }

  /** Whether `migrateFrom` is set. */
  get enabled(): boolean {
    return this.settings !== undefined;
  }

  /** What became of the old cookies seen since boot. When `migrated` stops growing, the reader can go. */
  stats(): MigrationStats {
    return { ...this.counts };
  }

  /**
   * @internal
   * The moved session of a request that carries a live old session and no session of ours, or
   * null. The old cookie is cleared once it opens nothing, unless the session was refused (its
   * record stays for a fixed configuration to move).
   */
  async migrate(request: MigratingRequest, response: unknown, target: MigrationTarget): Promise<Session<any> | null> {
    const header = request.headers.cookie;
    if (!this.settings || !header) return null;
    const values = cookieValues(header, this.settings.name);
    if (values.length === 0) return null;
    const id = this.verifiedId(values, this.settings.secrets);
    if (id === null) {
      this.note('forged');
      this.clearCookie(response);
      return null;
    }
    const recent = this.recentlyMoved(id, target.now());
    if (recent) {
      this.clearCookie(response);
      return target.reopen(recent, response);
    }
    let moving = this.moving.get(id);
    if (!moving) {
      moving = this.move(id, request, target).finally(() => this.moving.delete(id));
      this.moving.set(id, moving);
    }
    const outcome = await moving;
    if (outcome === 'kept') return null;
    this.clearCookie(response);
    return outcome === 'gone' ? null : target.open(outcome, response);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.settings?.ownsStore) await this.settings.store.close?.();
  }

  /** The ID of the one old session the cookies open; two different ones are refused as ambiguous. */
  private verifiedId(values: string[], secrets: readonly string[]): string | null {
    let found: string | null = null;
    for (const value of values) {
      const id = unsignExpressSessionCookie(value, secrets);
      if (id === null) continue;
      if (found !== null && found !== id) return null;
      found = id;
    }
    return found;
  }

  private async move(id: string, request: MigratingRequest, target: MigrationTarget): Promise<Outcome> {
    const { store, userId: userOf } = this.settings as Settings;
    const legacy = await target.call(() => store.get(id));
    if (!legacy || !isLive(legacy, target.now())) {
      this.note('expired');
      return 'gone';
    }
    const data = Object.fromEntries(Object.entries(legacy.data).filter(([name]) => name !== 'cookie'));
    const user: unknown = userOf(legacy.data);
    const userId = typeof user === 'number' ? String(user) : typeof user === 'string' && user !== '' ? user : null;
    // A session express-session saved uninitialized (saveUninitialized) holds nothing to keep.
    if (userId === null && Object.keys(data).length === 0) {
      this.note('empty');
      return 'gone';
    }
    let moved: MovedSession;
    try {
      // As `set` checks each value: the old app may have stored what ours refuses.
      for (const [name, value] of Object.entries(data)) {
        assertSafeKey(name);
        assertJsonValue(value, name);
      }
      moved = await target.create(userId, data, request);
    } catch (error) {
      if (!(error instanceof InvalidSessionDataError || error instanceof SessionDataTooLargeError)) throw error;
      this.note('refused', error.message);
      return 'kept';
    }
    // Ours is stored first: were this delete to fail, the user keeps a session either way.
    await target.call(() => store.delete(id));
    this.note('migrated');
    this.remember(id, moved, target.now());
    return moved;
  }

  private recentlyMoved(id: string, now: number): MovedSession | undefined {
    const found = this.recent.get(id);
    return found && now - found.at < RECENT_WITHIN ? found.moved : undefined;
  }

  private remember(id: string, moved: MovedSession, now: number): void {
    for (const [oldId, { at }] of this.recent) {
      if (now - at < RECENT_WITHIN && this.recent.size < RECENT_MAX) break;
      this.recent.delete(oldId);
    }
    this.recent.set(id, { moved, at: now });
  }

  private clearCookie(response: unknown): void {
    const { name, cookie } = this.settings as Settings;
    this.adapterHost?.httpAdapter.clearCookie(response, name, cookie);
  }

  private note(outcome: keyof MigrationStats, reason?: string): void {
    const count = ++this.counts[outcome];
    if (count !== 1 && count % LOG_EVERY !== 0) return;
    if (outcome === 'migrated') {
      const { migrated, forged, expired, empty, refused } = this.counts;
      this.logger.log(
        `express-session migration: ${migrated} sessions moved since boot (old cookies also seen: ${expired} expired, ${empty} empty, ${forged} with a bad signature, ${refused} refused)`,
      );
    } else if (outcome === 'refused') {
      this.logger.warn(`express-session migration: ${count} old sessions left unmoved so far; the latest: ${reason}`);
    }
  }
}
