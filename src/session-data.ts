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

/**
 * Refuses anything that would not survive a JSON round trip unchanged (functions, undefined,
 * NaN, Dates, class instances, cycles), so every store returns exactly what was set.
 */
export function assertJsonValue(value: unknown, path: string, seen = new Set<object>()): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw new InvalidSessionDataError(`Session value at "${path}" is not a finite number`);
  }
  if (typeof value !== 'object') {
    throw new InvalidSessionDataError(`Session value at "${path}" is not JSON (${typeof value})`);
  }
  if (seen.has(value)) throw new InvalidSessionDataError(`Session value at "${path}" is circular`);
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJsonValue(item, `${path}[${i}]`, seen));
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new InvalidSessionDataError(`Session value at "${path}" is not a plain object`);
    }
    for (const [key, item] of Object.entries(value)) {
      assertSafeKey(key, `${path}.${key}`);
      assertJsonValue(item, `${path}.${key}`, seen);
    }
  }
  seen.delete(value);
}
