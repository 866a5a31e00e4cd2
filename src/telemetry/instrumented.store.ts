import type { SessionRecord, SessionStore, SessionUpdate, StoredSession } from '../stores/session-store.interface.js';

/** The store calls that are timed and traced, by their `SessionStore` method names. */
export type StoreOperation = 'get' | 'create' | 'update' | 'delete' | 'findByUser';

/** Times and traces one store call; given only the operation's name, never its key or data. */
export interface StoreCallObserver {
  observe<R>(operation: StoreOperation, call: () => Promise<R>): Promise<R>;
}

/**
 * The module's store when telemetry is on: each of the five calls goes to the real store through
 * the observer. Anything else the store has (`close`, a health check) reaches it unchanged. Only
 * installed when telemetry is on, so that without it the manager calls the store directly.
 */
export class InstrumentedStore implements SessionStore {
  readonly #store: SessionStore;
  readonly #observer: StoreCallObserver;

  constructor(store: SessionStore, observer: StoreCallObserver) {
    this.#store = store;
    this.#observer = observer;
    for (const name of methodNames(store)) {
      if (!(name in this)) Object.defineProperty(this, name, { value: (store as unknown as Methods)[name]?.bind(store) });
    }
  }

  /** The store this one reports on. */
  get instrumented(): SessionStore {
    return this.#store;
  }

  get(key: string): Promise<SessionRecord | null> {
    return this.#observer.observe('get', () => this.#store.get(key));
  }

  create(key: string, record: SessionRecord): Promise<boolean> {
    return this.#observer.observe('create', () => this.#store.create(key, record));
  }

  update(key: string, update: SessionUpdate, now: number): Promise<boolean> {
    return this.#observer.observe('update', () => this.#store.update(key, update, now));
  }

  delete(key: string): Promise<void> {
    return this.#observer.observe('delete', () => this.#store.delete(key));
  }

  findByUser(userId: string, now: number): Promise<StoredSession[]> {
    return this.#observer.observe('findByUser', () => this.#store.findByUser(userId, now));
  }
}

type Methods = Record<string, ((...args: unknown[]) => unknown) | undefined>;

/** The names of a store's methods, its class's and its own, but not Object's. */
function methodNames(store: SessionStore): Set<string> {
  const names = new Set<string>();
  for (let object: object | null = store; object !== null && object !== Object.prototype; object = Object.getPrototypeOf(object)) {
    for (const name of Object.getOwnPropertyNames(object)) {
      if (name !== 'constructor' && typeof (store as unknown as Methods)[name] === 'function') names.add(name);
    }
  }
  return names;
}
