import { HttpException, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { MINUTE, RESOLVED_SESSION_OPTIONS, STORE_IN_USE } from '../session.constants.js';
import type { ResolvedSessionOptions } from '../config/resolved-options.js';
import { Session, type SessionData, type SessionOperations, type TokenChannel } from './session.js';
import {
  SessionDataTooLargeError,
  SessionEndedError,
  SessionStoreUnavailableError,
  SessionTokenUnavailableError,
} from './session.errors.js';
import type { SessionInfo } from './session-info.interface.js';
import {
  type ClientInfo,
  type SessionRecord,
  SessionStore,
  type SessionUpdate,
  type StoredSession,
} from '../stores/session-store.interface.js';
import { generateSessionId, isSessionHandle, signSessionId, storeKeyOf } from '../token/session-token.js';
import { SessionSockets } from '../transport/open-sockets.js';
import { SESSION_TELEMETRY, type SessionTelemetry } from '../telemetry/session-telemetry.js';
import { forgeryReason, isSafeMethod } from '../transport/request-forgery.js';
import { TokenVerifier, type VerifiedSessionToken } from '../token/token-verifier.js';
import { TokenCarrier } from '../transport/cookie-header.token-carrier.js';
import { ExpressSessionMigration, type MigrationTarget, type MovedSession } from '../migration/express-session.migration.js';
import { type Admission, StoreCircuitBreaker, type StoreCircuitState } from './store-circuit-breaker.js';
import { StoreFailureLog } from './store-failure-log.js';

/** What Express and Fastify requests both offer: headers, and the client address (`trust proxy` aware). */
export interface ClientRequest {
  headers: IncomingHttpHeaders;
  method?: string;
  ip?: string;
}

/** The session a WebSocket connection opened with; each message reads its record again. */
export interface SocketSession {
  id: string;
  key: string;
}

// Bounded so a client cannot fill its own session record with a huge header.
const MAX_USER_AGENT = 256;

/**
 * A session is `active` when its last refresh is less than `touchInterval` plus this ago: every
 * session used in the last 5 minutes is, and none idle for longer than `touchInterval` + 5 minutes.
 * The store only learns of use at refreshes, so nothing sharper can be said without a write per request.
 */
const ACTIVE_MARGIN = 5 * MINUTE;

function clientOf(request: ClientRequest): ClientInfo {
  const userAgent = request.headers['user-agent']?.slice(0, MAX_USER_AGENT);
  return { ...(userAgent ? { userAgent } : {}), ...(request.ip ? { ip: request.ip } : {}) };
}

/** What a session may hold and how long it lives idle: less while it has no user. */
interface SessionLimits {
  idleTimeout: number;
  touchInterval: number;
  maxSize: number;
}

export type LoadResult =
  | { session: Session<any> }
  | { reason: 'missing' }
  | { reason: 'invalid' | 'expired'; via: TokenChannel };

/** A store's circuit breaker and failure log: one for the sessions' store, one for `migrateFrom`'s. */
interface StoreCircuit {
  breaker: StoreCircuitBreaker;
  log: StoreFailureLog;
}

/**
 * Everything the guard, the interceptor, the decorator and `SessionService` do with sessions.
 * Not part of the public API.
 */
@Injectable()
export class SessionManager implements SessionOperations {
  private readonly logger = new Logger('SessionModule');
  private readonly verifier: TokenVerifier;
  private readonly signedIn: SessionLimits;
  // Anyone can start a session without a user, so such sessions are held short and small.
  private readonly anonymous: SessionLimits;
  private readonly circuit: StoreCircuit;
  private readonly legacyCircuit: StoreCircuit;

  constructor(
    @Inject(RESOLVED_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(STORE_IN_USE) private readonly store: SessionStore,
    readonly carrier: TokenCarrier,
    private readonly sockets: SessionSockets,
    private readonly migration: ExpressSessionMigration,
    // Null without @opentelemetry/api or with telemetry off: each report is then one null check.
    @Optional() @Inject(SESSION_TELEMETRY) readonly telemetry: SessionTelemetry | null = null,
  ) {
    this.verifier = new TokenVerifier(options.secrets);
    this.signedIn = { idleTimeout: options.idleTimeout, touchInterval: options.touchInterval, maxSize: options.maxSize };
    this.anonymous = {
      idleTimeout: options.anonymousIdleTimeout,
      // A touchInterval chosen for the longer signed-in timeout would let these end while in use.
      touchInterval: Math.min(options.touchInterval, Math.floor(options.anonymousIdleTimeout / 2)),
      maxSize: options.anonymousMaxSize,
    };
    this.circuit = this.circuitFor('Session store');
    this.legacyCircuit = this.circuitFor('express-session store (migrateFrom)');
  }

  private circuitFor(what: string): StoreCircuit {
    return {
      breaker: new StoreCircuitBreaker(this.options.circuitBreaker),
      log: new StoreFailureLog(this.logger, what),
    };
  }

  /**
   * Where the store's circuit breaker stands, for the health indicator and the metrics. Not
   * part of the public API.
   */
  storeCircuit(): StoreCircuitState {
    return this.circuit.breaker.snapshot();
  }

  /**
   * Loads the request's session. A token that fails the signature check is refused before any
   * store access; a valid one costs exactly one store read. `tokenless` marks a request whose
   * response cannot carry a new token (a GraphQL subscription).
   */
  async load(request: { headers: IncomingHttpHeaders }, tokenless = false): Promise<LoadResult> {
    const presented = this.carrier.read(request);
    if (!presented) return { reason: 'missing' };
    const verified = this.verify(presented.tokens);
    if (!verified) return { reason: 'invalid', via: presented.via };
    const { key } = verified;
    const record = await this.liveRecord(key);
    if (!record) {
      this.telemetry?.expired();
      return { reason: 'expired', via: presented.via };
    }
    const session = new Session(this, { id: verified.id, key, record, via: presented.via });
    session.tokenDirty = verified.stale;
    session.tokenless = tokenless;
    return { session };
  }

  /**
   * The guard's load: `load`, then, with `migrateFrom`, for a request that opens no session of
   * ours, the express-session session its old cookie opens, moved into one of ours. Not for a
   * request whose response cannot carry the new cookie.
   */
  loadOrMigrate(request: ClientRequest, tokenless: boolean, response: unknown): Promise<LoadResult> {
    const loading = this.load(request, tokenless);
    if (!this.migration.enabled || tokenless || response === undefined) return loading;
    return loading.then(async (result) => {
      if ('session' in result) return result;
      const session = await this.migration.migrate(request, response, this.migrationTarget);
      return session ? { session } : result;
    });
  }

  private readonly migrationTarget: MigrationTarget = {
    now: () => this.options.clock(),
    // The old app's store fails on its own: it has its own breaker, and does not open ours.
    call: (operation) => this.call(operation, this.legacyCircuit),
    create: async (userId, data, request) => {
      this.assertSize(data, userId);
      const id = generateSessionId();
      const key = storeKeyOf(id);
      const now = this.options.clock();
      const record = this.newRecord(userId, data, now, now, request);
      await this.storeNew(key, record);
      return { id, key, record } satisfies MovedSession;
    },
    open: (moved, response) => {
      const session = new Session(this, { ...moved, via: 'cookie' });
      session.tokenDirty = true;
      this.sendToken(session, response, this.options.clock());
      return session;
    },
    reopen: async ({ id, key }, response) => {
      const record = await this.liveRecord(key);
      return record ? this.migrationTarget.open({ id, key, record }, response) : null;
    },
  };

  /**
   * A blank session for a request whose token opened none, for a route that runs without one.
   * Only a token that fails its signature is cleared: a valid one that opens no session may
   * belong to a request of this client that regenerated it meanwhile, and clearing would drop
   * the newer cookie.
   */
  freshAfter(result: Exclude<LoadResult, { session: Session<any> }>, request: ClientRequest, tokenless = false): Session<any> {
    const via = result.reason === 'missing' ? this.carrier.channelAskedFor(request) : result.via;
    return this.fresh(via, result.reason === 'invalid', tokenless);
  }

  /**
   * Reads a WebSocket connection's session again for one message, so that a session revoked or
   * expired elsewhere stops working on an open socket: one store read per message.
   */
  async loadSocket(socket: SocketSession): Promise<Session<any> | null> {
    const record = await this.liveRecord(socket.key);
    if (!record) {
      this.telemetry?.expired();
      return null;
    }
    const session = new Session(this, { id: socket.id, key: socket.key, record });
    session.tokenless = true;
    return session;
  }

  /**
   * Why a request that a browser could have sent with the ambient session cookie looks forged,
   * or undefined. `handshake` marks a WebSocket upgrade: a GET, and yet the classic way to ride
   * a victim's cookie into a socket from another site.
   */
  crossSiteRefusal(request: ClientRequest, handshake = false): string | undefined {
    const { csrf, transport, headerName } = this.options;
    if (!csrf || transport === 'header' || (!handshake && isSafeMethod(request.method))) return undefined;
    // A client that sends its token in the header relies on no ambient cookie.
    if (request.headers[headerName] !== undefined) return undefined;
    return forgeryReason(request.headers, csrf.allowedOrigins);
  }

  /** Closes this instance's sockets of the session with that key. */
  endSocket(key: string): void {
    this.sockets.end(key);
  }

  /** Calls `close` once this instance ends the session with that key (sign-out, revocation). */
  watch(key: string, close: () => void): () => void {
    return this.sockets.add(key, close);
  }

  /** A blank session for a request without one (login routes); nothing is stored until it has data. */
  fresh(via?: TokenChannel, clearToken = false, tokenless = false): Session<any> {
    const session = new Session(this);
    session.via = via;
    session.clearToken = clearToken;
    session.tokenless = tokenless;
    return session;
  }

  /**
   * Of the tokens a client sent under the cookie's name, the one that verifies. Two different
   * ones that both verify are refused as ambiguous: a sibling domain may have planted either.
   */
  private verify(tokens: readonly string[]): VerifiedSessionToken | null {
    let found: VerifiedSessionToken | null = null;
    for (const token of tokens) {
      const verified = this.verifier.verify(token);
      if (!verified) continue;
      if (found && found.key !== verified.key) return null;
      found = verified;
    }
    return found;
  }

  /**
   * Writes what the request changed, before the response is sent. Returns undefined when there
   * is nothing to write, as for an unchanged session refreshed less than `touchInterval` ago, so
   * that the hot path stays synchronous.
   */
  commit(session: Session<any>, request: ClientRequest | undefined, response: unknown): Promise<void> | undefined {
    const syncing = session.beforeWrite?.();
    if (syncing) return syncing.then(() => this.write(session, request, response));
    return this.write(session, request, response);
  }

  private write(session: Session<any>, request: ClientRequest | undefined, response: unknown): Promise<void> | undefined {
    const now = this.options.clock();
    if (session.isNew) {
      if (Object.keys(session.data).length > 0 || session.userId !== null) {
        return this.create(session, now, request).then(() => this.sendToken(session, response, now));
      }
      if (session.clearToken) this.clearToken(session, response);
      return undefined;
    }
    const record = session.record as SessionRecord;
    const touchDue = now - record.refreshedAt >= this.limitsOf(record.userId).touchInterval;
    if (session.changed.size > 0 || session.userChanged || touchDue) return this.update(session, record, now, response);
    if (session.tokenDirty) this.sendToken(session, response, now);
    else if (response !== undefined) this.carrier.keepPrivate(response);
    return undefined;
  }

  private async update(session: Session<any>, record: SessionRecord, now: number, response: unknown): Promise<void> {
    const update = this.updateOf(session, record, now);
    const applied = await this.call(() => this.store.update(session.key as string, update, now));
    // No cookie is cleared here: the session may have ended because another request of this
    // client regenerated it, and clearing would drop the newer cookie that request just sent.
    if (!applied) throw new SessionEndedError();
    session.record = { ...record, userId: session.userId, data: session.data, refreshedAt: now, expiresAt: update.expiresAt };
    session.changed.clear();
    session.userChanged = false;
    if (session.tokenDirty) this.sendToken(session, response, now);
    else if (response !== undefined) this.carrier.keepPrivate(response);
  }

  async regenerate(session: Session<any>): Promise<void> {
    if (session.tokenless) throw new SessionTokenUnavailableError('regenerate()');
    if (session.key !== null && session.record !== null) {
      const oldKey = session.key;
      await this.delete(oldKey);
      // Otherwise regenerating now and then would keep one login alive past absoluteTimeout.
      session.inheritedCreatedAt = session.record.createdAt;
    }
    session.record = null;
    session.id = generateSessionId();
    session.key = storeKeyOf(session.id);
    session.clearToken = true;
    this.telemetry?.regenerated();
  }

  /** Reads the session's record again (express-session's `reload`); `SessionEndedError` once it is gone. */
  async reload(session: Session<any>): Promise<void> {
    const key = session.isNew ? null : session.key;
    const record = key === null ? null : await this.liveRecord(key);
    if (!record) throw new SessionEndedError();
    session.restore(record);
  }

  async destroy(session: Session<any>): Promise<void> {
    if (session.key !== null && !session.isNew) {
      await this.delete(session.key);
      this.telemetry?.destroyed();
    }
    session.reset();
    session.clearToken = session.via !== undefined;
  }

  async list(session: Session<any>): Promise<SessionInfo[]> {
    if (session.userId === null) return [];
    const found = await this.findLive(session.userId);
    const now = this.options.clock();
    return found.map(({ key, record }) => this.infoOf(key, record, key === session.handle, now));
  }

  async revoke(session: Session<any>, handle: string): Promise<boolean> {
    if (session.userId === null) return false;
    if (handle === session.handle) {
      await this.destroy(session);
      return true;
    }
    const found = await this.findLive(session.userId);
    if (!found.some(({ key }) => key === handle)) return false;
    await this.delete(handle);
    this.telemetry?.revoked(1);
    return true;
  }

  async revokeOthers(session: Session<any>): Promise<number> {
    if (session.userId === null) return 0;
    return this.revokeAll(session.userId, session.handle ?? undefined);
  }

  async listForUser(userId: string): Promise<SessionInfo[]> {
    const found = await this.findLive(userId);
    const now = this.options.clock();
    return found.map(({ key, record }) => this.infoOf(key, record, false, now));
  }

  async countForUser(userId: string): Promise<number> {
    return (await this.findLive(userId)).length;
  }

  /** A string that is no handle names no session, and costs no store call. */
  async revokeHandle(handle: string): Promise<void> {
    if (!isSessionHandle(handle)) return;
    await this.delete(handle);
    this.telemetry?.revoked(1);
  }

  async revokeAll(userId: string, except?: string): Promise<number> {
    const found = await this.findLive(userId);
    const doomed = found.filter(({ key }) => key !== except);
    await Promise.all(doomed.map(({ key }) => this.delete(key)));
    this.telemetry?.revoked(doomed.length);
    return doomed.length;
  }

  /** Every store delete goes through here, so this instance's sockets of that session close at once. */
  private async delete(key: string): Promise<void> {
    await this.call(() => this.store.delete(key));
    this.sockets.end(key);
  }

  assertSize(data: SessionData, userId: string | null): void {
    const { maxSize } = this.limitsOf(userId);
    const size = Buffer.byteLength(JSON.stringify(data));
    if (size > maxSize) throw new SessionDataTooLargeError(size, maxSize);
  }

  private async create(session: Session<any>, now: number, request: ClientRequest | undefined): Promise<void> {
    session.id ??= generateSessionId();
    session.key ??= storeKeyOf(session.id);
    const record = this.newRecord(session.userId, session.data, session.inheritedCreatedAt ?? now, now, request);
    await this.storeNew(session.key, record);
    session.record = record;
    session.changed.clear();
    session.userChanged = false;
    session.tokenDirty = true;
  }

  private newRecord(
    userId: string | null,
    data: SessionData,
    createdAt: number,
    now: number,
    request: ClientRequest | undefined,
  ): SessionRecord {
    return {
      userId,
      data,
      createdAt,
      refreshedAt: now,
      expiresAt: this.expiryOf(userId, createdAt, now),
      ...(this.options.captureClient && request ? { client: clientOf(request) } : {}),
    };
  }

  private async storeNew(key: string, record: SessionRecord): Promise<void> {
    const created = await this.call(() => this.store.create(key, record));
    // 256 random bits do not collide; a false here means a broken store, not bad luck.
    if (!created) throw new Error('Session store refused a new session ID that already exists');
    this.telemetry?.created();
  }

  private updateOf(session: Session<any>, record: SessionRecord, now: number): SessionUpdate {
    const set: Record<string, unknown> = {};
    const unset: string[] = [];
    for (const key of session.changed) {
      if (Object.hasOwn(session.data, key)) set[key] = session.data[key];
      else unset.push(key);
    }
    return {
      set,
      unset,
      ...(session.userChanged ? { userId: session.userId } : {}),
      refreshedAt: now,
      expiresAt: this.expiryOf(session.userId, record.createdAt, now),
    };
  }

  private sendToken(session: Session<any>, response: unknown, now: number): void {
    session.clearToken = false;
    if (response === undefined || !session.tokenDirty) return;
    session.tokenDirty = false;
    const record = session.record as SessionRecord;
    const token = signSessionId(session.id as string, this.options.secrets[0] as string);
    this.carrier.write(response, token, session.via, record.createdAt + this.options.absoluteTimeout, now);
  }

  private clearToken(session: Session<any>, response: unknown): void {
    session.clearToken = false;
    if (response !== undefined) this.carrier.clear(response, session.via);
  }

  private limitsOf(userId: string | null): SessionLimits {
    return userId === null ? this.anonymous : this.signedIn;
  }

  /** The earlier of the idle and absolute deadlines of a session written at `now`. */
  private expiryOf(userId: string | null, createdAt: number, now: number): number {
    return Math.min(now + this.limitsOf(userId).idleTimeout, createdAt + this.options.absoluteTimeout);
  }

  private isLive(record: SessionRecord, now: number): boolean {
    return (
      now < record.expiresAt &&
      now < record.refreshedAt + this.limitsOf(record.userId).idleTimeout &&
      now < record.createdAt + this.options.absoluteTimeout
    );
  }

  /** The stored record of `key`, or null when there is none or it has ended by either deadline. */
  private async liveRecord(key: string): Promise<SessionRecord | null> {
    const record = await this.call(() => this.store.get(key));
    return record && this.isLive(record, this.options.clock()) ? record : null;
  }

  private async findLive(userId: string): Promise<StoredSession[]> {
    const now = this.options.clock();
    const found = await this.call(() => this.store.findByUser(userId, now));
    return found.filter(({ record }) => this.isLive(record, now));
  }

  private infoOf(key: string, record: SessionRecord, current: boolean, now: number): SessionInfo {
    return {
      handle: key,
      userId: record.userId,
      createdAt: new Date(record.createdAt),
      lastSeenAt: new Date(record.refreshedAt),
      expiresAt: new Date(Math.min(record.expiresAt, record.createdAt + this.options.absoluteTimeout)),
      ...record.client,
      current,
      active: now - record.refreshedAt < this.limitsOf(record.userId).touchInterval + ACTIVE_MARGIN,
    };
  }

  /**
   * Every store call goes through here: a failure or an answer slower than `storeTimeout` becomes
   * a 503, so a store outage never hangs a request or crashes the process; and once the store's
   * circuit breaker is open, the 503 comes at once, without a store call.
   */
  private call<R>(operation: () => Promise<R>, circuit: StoreCircuit = this.circuit): Promise<R> {
    const admission = circuit.breaker.admit();
    if (admission === undefined) {
      circuit.log.refusal();
      return Promise.reject(this.unavailable());
    }
    // Written out rather than as Promise.race with a timeout promise: this runs on every request.
    return new Promise<R>((resolve, reject) => {
      // Only the first outcome counts: a late answer after the timeout's 503 neither closes the
      // breaker (a store that answers too late is failing) nor logs the same call twice.
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(this.failure(error, circuit, admission));
      };
      const timer = setTimeout(this.timedOut, this.options.storeTimeout, fail);
      try {
        operation().then((value) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.answered(circuit);
          resolve(value);
        }, fail);
      } catch (error) {
        fail(error);
      }
    });
  }

  // One function for every call's timer, and its Error made only when the timer fires: a stack
  // trace per request would cost more than the store read.
  private readonly timedOut = (fail: (error: unknown) => void) =>
    fail(new Error(`no answer within ${this.options.storeTimeout} ms`));

  private failure(error: unknown, circuit: StoreCircuit, admission: Admission): Error {
    // A store may refuse what it was asked (data too large for it): that is the client's 4xx,
    // and an answer: the store is up.
    if (error instanceof HttpException) {
      this.answered(circuit);
      return error;
    }
    circuit.breaker.failed(admission);
    circuit.log.failure(error instanceof Error ? error.message : String(error));
    return this.unavailable();
  }

  private answered(circuit: StoreCircuit): void {
    circuit.breaker.answered();
    circuit.log.answered();
  }

  /** The one place where a store's failure, timeout or open breaker becomes the request's 503. */
  private unavailable(): SessionStoreUnavailableError {
    this.telemetry?.unavailable();
    return new SessionStoreUnavailableError();
  }
}
