import { describe, expect, it } from 'vitest';
import { InvalidSessionDataError } from '../src/index.js';
import { assertJsonValue } from '../src/session/session-data.js';

/** An array nested `levels` deep, and an object nested as deep, as a client could send them. */
const nested = (levels: number): unknown[] => [
  JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`),
  JSON.parse(`${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`),
];

describe('session values', () => {
  it('accepts values nested 64 levels deep', () => {
    for (const value of nested(64)) expect(() => assertJsonValue(value, 'v')).not.toThrow();
  });

  it('refuses deeper values with a 400, however deep, without overflowing the stack', () => {
    for (const levels of [65, 8_000, 200_000]) {
      for (const value of nested(levels)) expect(() => assertJsonValue(value, 'v')).toThrow(InvalidSessionDataError);
    }
  });
});
