import { ForbiddenException } from '@nestjs/common';
import type { SessionHolder } from './execution-context.js';
import type { Session } from '../session/session.js';
import { assertSafeKey } from '../session/session-data.js';
import type { ClientRequest, SessionManager } from '../session/session.manager.js';
import { generateSessionId, storeKeyOf } from '../token/session-token.js';

type Callback = (error?: unknown) => void;

/**
 * `request.session` with `expressCompatible`: the session's data as plain properties, read and
 * written directly (`req.session.passport`, `req.session.csrfToken`), and express-session's methods.
 */
export interface ExpressSession {
  /** The session's handle (its hashed ID, as in `list()`): it identifies the session and opens nothing. */
  readonly id: string;
  /** Ends the session and starts a new, empty one under a new ID; `req.session` is then the new one. */
  regenerate(callback: Callback): this;
  /** Writes the changes now rather than before the response. */
  save(callback?: Callback): this;
  /** Ends the session in the store and clears the cookie; `req.session` is then unset. */
  destroy(callback?: Callback): this;
  /** Reads the session again from the store, dropping changes not yet written. */
  reload(callback: Callback): this;
  /** Does nothing: the module refreshes the idle deadline itself, once per `touchInterval`. */
  touch(): this;
  [key: string]: unknown;
}

/** A request as the middleware and the view see it. */
export type SessionViewRequest = ClientRequest & SessionHolder & { session?: unknown; sessionID?: string };

export type UserIdOf = (data: Record<string, unknown>) => string | null | undefined;

/** Names the view's own members take: data under these names is not visible through it. */
const RESERVED = new Set(['id', 'cookie', 'regenerate', 'save', 'destroy', 'reload', 'touch']);

/** Every view this module made, refused ones included. */
const views = new WeakSet<object>();

interface ViewState {
  readonly session: Session<any>;
  readonly request: SessionViewRequest;
  readonly response: unknown;
  readonly manager: SessionManager;
  readonly userIdOf: UserIdOf;
  /** The JSON of each key as last read from or written to the session: a change is a difference. */
  readonly written: Map<string, string>;
  /** The user the data named when last read or written; the session's user follows its changes. */
  namedUser: string | null;
}

/** The data properties of a view: its own enumerable ones but its members', and none undefined. */
function dataOf(view: object): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const key of Object.keys(view)) {
    const value = (view as Record<string, unknown>)[key];
    if (value === undefined || RESERVED.has(key)) continue;
    assertSafeKey(key);
    data[key] = value;
  }
  return data;
}

function userIdIn(state: ViewState, data: Record<string, unknown>): string | null {
  const userId = state.userIdOf(data);
  return typeof userId === 'string' && userId !== '' ? userId : null;
}

function settle(callback: Callback | undefined, operation: () => Promise<void> | undefined): void {
  let running: Promise<void>;
  try {
    running = Promise.resolve(operation());
  } catch (error) {
    running = Promise.reject(error);
  }
  running.then(
    () => callback?.(),
    (error: unknown) => callback?.(error),
  );
}

/**
 * A view of one `Session` in the shape of express-session's: writes through it become `set` and
 * `unset` of the top-level keys whose JSON changed (passport mutates nested objects, so changes
 * are found when the session is written, not when made), with the same checks. The app-wide
 * interceptor writes them before the response; `save` writes them at once.
 */
class ExpressSessionView {
  readonly #state: ViewState;

  constructor(state: ViewState) {
    this.#state = state;
    const { session, written } = state;
    for (const [key, value] of Object.entries(session.data)) {
      if (RESERVED.has(key)) continue;
      const json = JSON.stringify(value);
      written.set(key, json);
      Object.defineProperty(this, key, { value: JSON.parse(json), writable: true, enumerable: true, configurable: true });
    }
    state.namedUser = userIdIn(state, dataOf(this));
    session.beforeWrite = () => this.#sync();
  }

  get id(): string {
    const { session } = this.#state;
    // express-session gives every session an ID from the start; ours get one when first stored.
    if (session.key === null) {
      session.id = generateSessionId();
      session.key = storeKeyOf(session.id);
    }
    return session.key;
  }

  get cookie(): never {
    throw new Error(
      'req.session.cookie is not supported: cookie settings are the module\'s `cookie` option, the same for every session, and a session\'s lifetime is set by idleTimeout and absoluteTimeout',
    );
  }

  regenerate(callback: Callback): this {
    const state = this.#state;
    settle(callback, async () => {
      // express-session's meaning: a new, empty session. passport keeps what it chooses itself.
      await state.session.regenerate({ userId: null, keepData: false });
      installSessionView(state.request, state.response, state.session, state.manager, state.userIdOf);
    });
    return this;
  }

  save(callback?: Callback): this {
    const { manager, session, request, response } = this.#state;
    settle(callback, () => manager.commit(session, request, response));
    return this;
  }

  destroy(callback?: Callback): this {
    const { session, request } = this.#state;
    // As express-session does, at once: nothing of the ended session is left to write to.
    if (request.session === this) delete request.session;
    settle(callback, () => session.destroy());
    return this;
  }

  reload(callback: Callback): this {
    const state = this.#state;
    settle(callback, async () => {
      await state.manager.reload(state.session);
      installSessionView(state.request, state.response, state.session, state.manager, state.userIdOf);
    });
    return this;
  }

  touch(): this {
    return this;
  }

  /** Brings the view's changes into the session before it is written. */
  #sync(): Promise<void> | undefined {
    const state = this.#state;
    const { session } = state;
    const data = dataOf(this);
    const named = userIdIn(state, data);
    // The user follows the data only when the data changes it, never undoing a regenerate({ userId }).
    const follows = named !== state.namedUser;
    // Signing in: the data goes in with the user's (larger) limits.
    if (follows && named !== null) session.assignUser(named);
    this.#write(data);
    // Signing out: after the data, which was checked against the user's limits.
    if (follows && named === null) session.assignUser(null);
    state.namedUser = named;
    const stored = session.record;
    // A session stored for someone else (or no one) never becomes this user's under its old ID.
    // passport regenerates before it names the user, so with it this never costs anything.
    if (follows && named !== null && stored !== null && stored.userId !== named) {
      return state.manager.regenerate(session).then(() => {
        session.inheritedCreatedAt = null;
      });
    }
    return undefined;
  }

  #write(data: Record<string, unknown>): void {
    const { session, written } = this.#state;
    for (const key of written.keys()) {
      if (Object.hasOwn(data, key)) continue;
      session.unset(key);
      written.delete(key);
    }
    for (const [key, value] of Object.entries(data)) {
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch {
        // A cycle or a BigInt: set() refuses it with the reason.
      }
      if (json !== undefined && json === written.get(key)) continue;
      session.set(key, value);
      written.set(key, json as string);
    }
  }
}

/** Puts the express-session-shaped view of `session` on `request.session`, in place of any earlier one. */
export function installSessionView(
  request: SessionViewRequest,
  response: unknown,
  session: Session<any>,
  manager: SessionManager,
  userIdOf: UserIdOf,
): void {
  const view = new ExpressSessionView({
    session,
    request,
    response,
    manager,
    userIdOf,
    written: new Map(),
    namedUser: null,
  });
  views.add(view);
  request.session = view;
}

/**
 * `request.session` of an unsafe request that looks forged by another site: it reads as empty,
 * without an `id`, and any attempt to change, save or regenerate it is refused with 403, as the
 * guard refuses the request.
 */
export function refusedSessionView(reason: string): ExpressSession {
  const refuse = (): never => {
    throw new ForbiddenException(reason);
  };
  const fail = (callback?: Callback) => {
    callback?.(new ForbiddenException(reason));
    return view;
  };
  const members: Record<string, unknown> = { regenerate: fail, save: fail, destroy: fail, reload: fail, touch: () => view };
  const view: ExpressSession = new Proxy(Object.create(null) as ExpressSession, {
    // No `id` either: there is no session, and a logger reading req.sessionID must not fail.
    get: (_target, key) => (typeof key === 'string' && Object.hasOwn(members, key) ? members[key] : undefined),
    set: refuse,
    defineProperty: refuse,
    deleteProperty: refuse,
  });
  views.add(view);
  return view;
}

/** Whether `request.session` is a view this module put there. */
export function isSessionView(value: unknown): boolean {
  return typeof value === 'object' && value !== null && views.has(value);
}
