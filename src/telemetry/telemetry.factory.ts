import type { ResolvedSessionOptions } from '../config/resolved-options.js';
import type { SessionStoreOption } from '../config/session-options.interface.js';
import { loadInstalledPeer, loadOptionalPeer } from '../stores/optional-peer.js';
import type { SessionStore } from '../stores/session-store.interface.js';
import { OpenTelemetrySessionTelemetry } from './opentelemetry.telemetry.js';

const API = '@opentelemetry/api';

/**
 * The module's telemetry, made once at boot. `telemetry: false` loads nothing; unset, it is on
 * when the app has `@opentelemetry/api` installed and null (no wrapper, no reports) when not;
 * `true` insists, and stops the boot when the API is missing.
 */
export async function createTelemetry(options: ResolvedSessionOptions, store: SessionStore): Promise<OpenTelemetrySessionTelemetry | null> {
  const option = options.telemetry;
  if (option === false) return null;
  const load = () => import('@opentelemetry/api');
  const api = option === true ? await loadOptionalPeer(API, 'telemetry', load, 'telemetry') : await loadInstalledPeer(API, load);
  if (!api) return null;
  return new OpenTelemetrySessionTelemetry(api, dbSystemOf(options.store, store), options.storeTimeout);
}

// The semantic conventions' db.system.name where they name one; `memory` and `other` are ours.
const SYSTEMS: Record<string, string> = { memory: 'memory', redis: 'redis', dynamodb: 'aws.dynamodb' };
const STORE_CLASSES: Record<string, string> = { MemoryStore: 'memory', RedisStore: 'redis', DynamoDbStore: 'aws.dynamodb' };

/** The store's `db.system.name`: from its options, or for a store instance from its class. */
export function dbSystemOf(option: SessionStoreOption, store: SessionStore): string {
  if (option === 'memory') return SYSTEMS.memory as string;
  const type = (option as { type?: unknown }).type;
  if (typeof type === 'string' && SYSTEMS[type]) return SYSTEMS[type];
  for (let proto: unknown = Object.getPrototypeOf(store); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const system = STORE_CLASSES[(proto as { constructor: { name: string } }).constructor.name];
    if (system) return system;
  }
  return 'other';
}
