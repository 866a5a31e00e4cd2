import { isPositiveInteger } from './checks.js';
import type { ConfigProblem } from './session-config.error.js';
import { DEFAULTS } from '../session.constants.js';

export interface CircuitBreakerOptions {
  /**
   * Store calls in a row that fail or time out before the breaker opens, provided the store has
   * also answered no call for half of storeTimeout (a store that fails only part of its calls is
   * left alone). Default 5.
   */
  failures?: number;
  /**
   * Longest time, in milliseconds, that an open breaker answers 503 without asking the store;
   * each time it opens it draws 75 to 100 % of this, so that instances do not probe in step.
   * Then one call goes through as a probe. Default 1000; between 100 and 60,000.
   */
  openFor?: number;
}

export interface ResolvedCircuitBreaker {
  failures: number;
  openFor: number;
  /**
   * How long the store must have answered no call, besides failing `failures` in a row, for the
   * breaker to open: half of storeTimeout. A store that fails only part of its calls (one master
   * of a Redis Cluster down, some requests throttled) keeps answering the rest, and is left
   * alone: consecutive failures alone, which come by chance at a high request rate, would shut
   * the healthy part out too.
   */
  silence: number;
}

// Below: almost surely seconds meant as milliseconds. Above: every session request of the
// instance gets a 503 that long after the store is back.
const OPEN_FOR_MIN = 100;
const OPEN_FOR_MAX = 60_000;

/** The breaker's settings, or undefined when it is off (`circuitBreaker: false`). */
export function resolveCircuitBreaker(
  option: CircuitBreakerOptions | boolean | undefined,
  storeTimeout: number,
): ResolvedCircuitBreaker | undefined {
  if (option === false) return undefined;
  const given = typeof option === 'object' && option !== null ? option : {};
  return {
    failures: given.failures ?? DEFAULTS.circuitBreakerFailures,
    openFor: given.openFor ?? DEFAULTS.circuitBreakerOpenFor,
    silence: Math.floor(storeTimeout / 2),
  };
}

export function circuitBreakerProblems(option: unknown): ConfigProblem[] {
  if (option === undefined || typeof option === 'boolean') return [];
  if (typeof option !== 'object' || option === null) {
    return [{ name: 'circuitBreaker', reason: 'must be { failures, openFor }, true or false' }];
  }
  const { failures, openFor } = option as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  if (failures !== undefined && !isPositiveInteger(failures)) {
    problems.push({ name: 'circuitBreaker.failures', reason: 'must be a positive integer' });
  }
  if (openFor !== undefined && !(isPositiveInteger(openFor) && openFor >= OPEN_FOR_MIN && openFor <= OPEN_FOR_MAX)) {
    problems.push({
      name: 'circuitBreaker.openFor',
      reason: `must be a whole number of milliseconds from ${OPEN_FOR_MIN} to ${OPEN_FOR_MAX}: while open, session requests get 503 even if the store is back`,
    });
  }
  return problems;
}
