import { InvalidSessionDataError } from './session.errors.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function assertSafeKey(key: string, path = key): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidSessionDataError('Session keys must be non-empty strings');
  }
  if (FORBIDDEN_KEYS.has(key)) {
    throw new InvalidSessionDataError(`Session key "${path}" is not allowed`);
  }
}

// Far deeper than any real session value, and shallow enough that this check, structuredClone
// and JSON.stringify, which all recurse, stay far from the stack limit: refused at this depth,
// a value nested by the thousand is a 400 rather than a RangeError and a 500.
const MAX_DEPTH = 64;

/**
 * Refuses anything that would not survive a JSON round trip unchanged (functions, undefined,
 * NaN, Dates, class instances, cycles), so every store returns exactly what was set, and
 * anything nested deeper than `MAX_DEPTH` arrays and objects.
 */
export function assertJsonValue(value: unknown, path: string, depth = 0, seen = new Set<object>()): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw new InvalidSessionDataError(`Session value at "${path}" is not a finite number`);
  }
  if (typeof value !== 'object') {
    throw new InvalidSessionDataError(`Session value at "${path}" is not JSON (${typeof value})`);
  }
  if (depth >= MAX_DEPTH) {
    throw new InvalidSessionDataError(`Session value at "${path}" nests deeper than ${MAX_DEPTH} levels`);
  }
  if (seen.has(value)) throw new InvalidSessionDataError(`Session value at "${path}" is circular`);
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJsonValue(item, `${path}[${i}]`, depth + 1, seen));
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new InvalidSessionDataError(`Session value at "${path}" is not a plain object`);
    }
    for (const [key, item] of Object.entries(value)) {
      assertSafeKey(key, `${path}.${key}`);
      assertJsonValue(item, `${path}.${key}`, depth + 1, seen);
    }
  }
  seen.delete(value);
}
