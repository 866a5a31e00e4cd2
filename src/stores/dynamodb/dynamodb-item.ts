import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidSessionDataError } from '../../session/session.errors.js';
import type { ClientInfo, SessionRecord } from '../session-store.interface.js';

/** Attribute names of a session item. `expiresAt` is the table's TTL attribute. */
export const ATTR = {
  key: 'sid',
  userId: 'userId',
  data: 'data',
  createdAt: 'createdAt',
  refreshedAt: 'refreshedAt',
  /** Epoch seconds, rounded up so that TTL never removes a session before its deadline. */
  expiresAt: 'expiresAt',
  /** The exact deadline in epoch milliseconds, as the store contract speaks it. */
  expiresAtMs: 'expiresAtMs',
  /** The client that started the session, when the module captures it. */
  client: 'client',
} as const;

export type Item = Record<string, AttributeValue>;

/** DynamoDB's hard limit on one item, attribute names included. */
export const DYNAMODB_MAX_ITEM_SIZE = 400 * 1024;

// A value under `data.<key>` may hold this many levels of maps and lists: DynamoDB allows 32
// levels per item, of which the item itself and the `data` map take two.
const MAX_VALUE_DEPTH = 30;
// DynamoDB numbers range over 1e-130 to just under 1e126 in magnitude; doubles reach further.
const MAX_NUMBER = 1e126;
const MIN_NUMBER = 1e-130;

export const epochSeconds = (ms: number): number => Math.ceil(ms / 1000);

/** A JSON value as a DynamoDB attribute value: null, booleans, numbers, strings, lists, maps. */
export function toAttribute(value: unknown, path: string, depth = 0): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (typeof value === 'number') {
    const magnitude = Math.abs(value);
    if (!Number.isFinite(value) || magnitude >= MAX_NUMBER || (magnitude !== 0 && magnitude < MIN_NUMBER)) {
      throw new InvalidSessionDataError(`Session value at "${path}" is outside the range DynamoDB can store`);
    }
    // String() gives the shortest digits that read back as the same double.
    return { N: String(value) };
  }
  if (typeof value !== 'object') {
    throw new InvalidSessionDataError(`Session value at "${path}" is not JSON (${typeof value})`);
  }
  if (depth >= MAX_VALUE_DEPTH) {
    throw new InvalidSessionDataError(`Session value at "${path}" nests deeper than DynamoDB's ${MAX_VALUE_DEPTH} levels`);
  }
  if (Array.isArray(value)) return { L: value.map((item, i) => toAttribute(item, `${path}[${i}]`, depth + 1)) };
  return {
    M: Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, toAttribute(item, `${path}.${key}`, depth + 1)]),
    ),
  };
}

/** The JSON value a `toAttribute` result stands for. */
export function fromAttribute(attribute: AttributeValue): unknown {
  if (attribute.NULL) return null;
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.N !== undefined) return Number(attribute.N);
  if (attribute.L !== undefined) return attribute.L.map(fromAttribute);
  // fromEntries defines own properties, so a stored "__proto__" key cannot reach a prototype.
  if (attribute.M !== undefined) return fromMap(attribute.M);
  throw new Error(`Session item holds an attribute of a type this store does not write (${Object.keys(attribute).join(', ')})`);
}

export function fromMap(map: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([key, item]) => [key, fromAttribute(item)]));
}

/** Session data as a map of its top-level keys, so that an update can address each key. */
export function toDataMap(data: Record<string, unknown>): AttributeValue {
  return { M: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, toAttribute(value, key)])) };
}

export function toItem(key: string, record: SessionRecord): Item {
  const item: Item = {
    [ATTR.key]: { S: key },
    [ATTR.data]: toDataMap(record.data),
    [ATTR.createdAt]: { N: String(record.createdAt) },
    [ATTR.refreshedAt]: { N: String(record.refreshedAt) },
    [ATTR.expiresAt]: { N: String(epochSeconds(record.expiresAt)) },
    [ATTR.expiresAtMs]: { N: String(record.expiresAt) },
  };
  // Absent rather than NULL: an index key attribute must be a string when present.
  if (record.userId !== null) item[ATTR.userId] = { S: record.userId };
  if (record.client !== undefined) item[ATTR.client] = toAttribute(record.client, 'client');
  return item;
}

/**
 * The record an item holds. Its deadline is the earlier of the exact one and the TTL attribute,
 * since the TTL attribute is what DynamoDB deletes by; an item with neither counts as ended.
 */
export function fromItem(item: Item): SessionRecord {
  const deadlines: number[] = [];
  if (item[ATTR.expiresAtMs]?.N !== undefined) deadlines.push(Number(item[ATTR.expiresAtMs].N));
  if (item[ATTR.expiresAt]?.N !== undefined) deadlines.push(Number(item[ATTR.expiresAt].N) * 1000);
  const data = item[ATTR.data]?.M;
  const client = item[ATTR.client]?.M;
  return {
    userId: item[ATTR.userId]?.S ?? null,
    data: data ? fromMap(data) : {},
    createdAt: Number(item[ATTR.createdAt]?.N),
    refreshedAt: Number(item[ATTR.refreshedAt]?.N),
    expiresAt: deadlines.length > 0 ? Math.min(...deadlines) : 0,
    ...(client ? { client: fromMap(client) as ClientInfo } : {}),
  };
}

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

// About one byte per two significant digits plus one; leading and trailing zeros do not count.
function numberSize(text: string): number {
  const mantissa = text.toLowerCase().split('e')[0] ?? '';
  const digits = mantissa.replace(/[-+.]/g, '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
}

/**
 * The stored size of a value by DynamoDB's published rules, rounded up: UTF-8 bytes for strings
 * and names, one byte for booleans and nulls, three bytes plus one per element for lists and maps.
 */
export function attributeSize(attribute: AttributeValue): number {
  if (attribute.S !== undefined) return utf8(attribute.S);
  if (attribute.N !== undefined) return numberSize(attribute.N);
  if (attribute.L !== undefined) return attribute.L.reduce((sum, item) => sum + 1 + attributeSize(item), 3);
  if (attribute.M !== undefined) {
    return Object.entries(attribute.M).reduce((sum, [name, item]) => sum + 1 + utf8(name) + attributeSize(item), 3);
  }
  return 1;
}

export function itemSize(item: Item): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + attributeSize(value), 0);
}
