import { expect } from 'vitest';
import { SessionConfigError } from '../../src/index.js';

/** The problems, as `name: reason`, of the SessionConfigError that `fn` must throw. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionConfigError);
    return (error as SessionConfigError).problems.map((p) => `${p.name}: ${p.reason}`);
  }
  throw new Error('expected a SessionConfigError');
}
