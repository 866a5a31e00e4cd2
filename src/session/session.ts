import { assertJsonValue, assertSafeKey } from './session-data.js';
import type { SessionInfo } from './session-info.interface.js';
import type { SessionRecord } from '../stores/session-store.interface.js';

export type SessionData = Record<string, unknown>;
export type TokenChannel = 'cookie' | 'header';

/** What a session needs from the module to act on the store; implemented by `SessionManager`. */
export interface SessionOperations {
  regenerate(session: Session<any>): Promise<void>;
  destroy(session: Session<any>): Promise<void>;
  list(session: Session<any>): Promise<SessionInfo[]>;
  revoke(session: Session<any>, handle: string): Promise<boolean>;
  revokeOthers(session: Session<any>): Promise<number>;
  assertSize(data: SessionData, userId: string | null): void;
}

export interface RegenerateOptions {
  /** The signed-in user; indexes the session for listing and revoking. */
  userId?: string | null;
  /**
   * Default true: the data stays (a cart kept through login). False starts from empty data.
   * Data never carries over from one user to another, whatever this says.
   */
  keepData?: boolean;
}

/**
 * The session of one request. Changes are kept here and written by the module, only the keys
 * that changed, before the response is sent.
 */
export class Session<T extends object = SessionData> {
  /** @internal */ id: string | null;
  /** @internal */ key: string | null;
  /** @internal */ record: SessionRecord | null;
  /** @internal */ readonly changed = new Set<string>();
  /** @internal */ userChanged = false;
  /** @internal The token must be (re)sent: new ID, or signed by an older secret. */
  tokenDirty = false;
  /** @internal The client holds a token that no longer opens a session and should drop it. */
  clearToken = false;
  /** @internal No response can carry a token for it: a WebSocket message or a GraphQL subscription. */
  tokenless = false;
  /** @internal Creation time carried over by `regenerate` while the user stays the same. */
  inheritedCreatedAt: number | null = null;
  /** @internal */ via: TokenChannel | undefined;
  /**
   * @internal Run before the session is written: brings in changes made through another view of
   * it (`req.session` with `expressCompatible`). May throw the data errors `set` throws.
   */
  beforeWrite: (() => Promise<void> | undefined) | undefined = undefined;
  private values: SessionData;
  private user: string | null;

  /** @internal */
  constructor(
    private readonly ops: SessionOperations,
    loaded?: { id: string; key: string; record: SessionRecord; via?: TokenChannel },
  ) {
    this.id = loaded?.id ?? null;
    this.key = loaded?.key ?? null;
    this.record = loaded?.record ?? null;
    this.via = loaded?.via;
    this.values = loaded ? { ...loaded.record.data } : {};
    this.user = loaded?.record.userId ?? null;
  }

  /** True until the session is first written to the store. */
  get isNew(): boolean {
    return this.record === null;
  }

  /** Identifies this session among `list()` results; null until it is stored. */
  get handle(): string | null {
    return this.key;
  }

  get userId(): string | null {
    return this.user;
  }

  get<K extends keyof T & string>(key: K): T[K] | undefined {
    return Object.hasOwn(this.values, key) ? (this.values[key] as T[K]) : undefined;
  }

  has(key: keyof T & string): boolean {
    return Object.hasOwn(this.values, key);
  }

  /** A copy of all data. */
  toJSON(): Partial<T> {
    return structuredClone(this.values) as Partial<T>;
  }

  /**
   * Sets one top-level key. Throws `InvalidSessionDataError` (400) for values that are not plain
   * JSON and `SessionDataTooLargeError` (413) past `maxSize` (`anonymousMaxSize` without a user);
   * the session is then unchanged.
   */
  set<K extends keyof T & string>(key: K, value: T[K]): this {
    assertSafeKey(key);
    assertJsonValue(value, key);
    const next = { ...this.values, [key]: structuredClone(value) };
    this.ops.assertSize(next, this.user);
    this.values = next;
    this.changed.add(key);
    return this;
  }

  unset(key: keyof T & string): this {
    if (Object.hasOwn(this.values, key)) {
      const next = { ...this.values };
      delete next[key];
      this.values = next;
      this.changed.add(key);
    }
    return this;
  }

  /**
   * Gives the session a new ID and ends the old one at once: call it at login (and on privilege
   * changes) against session fixation. The new cookie is sent with the response. The data stays
   * unless `keepData` is false or the session belonged to another user, as Django's `login()`
   * does. The absolute timeout keeps running from the original login unless the user changes.
   */
  async regenerate({ userId, keepData = true }: RegenerateOptions = {}): Promise<void> {
    const userChanges = userId !== undefined && userId !== this.user;
    await this.ops.regenerate(this);
    // One user's keys (a secret, an MFA flag) must never reach the next user signing in on the same browser.
    if ((userChanges && this.user !== null) || !keepData) this.values = {};
    if (userChanges) {
      this.user = userId;
      this.userChanged = true;
      // A new user is a new login, with a full absolute lifetime of its own.
      this.inheritedCreatedAt = null;
    }
  }

  /** Ends the session in the store now and clears the client's token; the object starts blank. */
  async destroy(): Promise<void> {
    await this.ops.destroy(this);
  }

  /** The signed-in user's live sessions, this one marked `current`. */
  list(): Promise<SessionInfo[]> {
    return this.ops.list(this);
  }

  /** Ends one of the signed-in user's sessions; false when it is not one of theirs. */
  revoke(handle: string): Promise<boolean> {
    return this.ops.revoke(this, handle);
  }

  /** Ends every other session of the signed-in user ("sign out everywhere else"). */
  revokeOthers(): Promise<number> {
    return this.ops.revokeOthers(this);
  }

  /**
   * @internal Makes `userId` the session's user without a new ID, for a caller that already
   * regenerated it (passport's login does). A new user is a new login with a full lifetime.
   */
  assignUser(userId: string | null): void {
    if (userId === this.user) return;
    this.user = userId;
    this.userChanged = true;
    this.inheritedCreatedAt = null;
  }

  /** @internal Replaces what was loaded by the record read again, dropping unwritten changes. */
  restore(record: SessionRecord): void {
    this.record = record;
    this.values = { ...record.data };
    this.user = record.userId;
    this.changed.clear();
    this.userChanged = false;
  }

  /** @internal Data to persist, and the keys removed since the load. */
  get data(): SessionData {
    return this.values;
  }

  /** @internal Forgets everything, as after `destroy`. */
  reset(): void {
    this.id = null;
    this.key = null;
    this.record = null;
    this.values = {};
    this.user = null;
    this.changed.clear();
    this.userChanged = false;
    this.tokenDirty = false;
    this.inheritedCreatedAt = null;
    // What another view held belongs to the ended session: it must not come back in a new one.
    this.beforeWrite = undefined;
  }
}
