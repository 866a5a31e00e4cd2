import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { generateSessionId, signSessionId, storeKeyOf } from '../src/token/session-token.js';
import { TokenVerifier } from '../src/token/token-verifier.js';

const SECRET = 'verifier-secret-0123456789-abcdefghij';
const OLDER = 'verifier-older-0123456789-abcdefghijk';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, createHmac: vi.fn(actual.createHmac) };
});

describe('TokenVerifier', () => {
  const hmacs = vi.mocked(crypto.createHmac);

  it('returns the ID, its store key and staleness, and verifies a known token only once', () => {
    const verifier = new TokenVerifier([SECRET, OLDER]);
    const id = generateSessionId();
    const token = signSessionId(id, OLDER);
    hmacs.mockClear();
    expect(verifier.verify(token)).toEqual({ id, stale: true, key: storeKeyOf(id) });
    const afterFirst = hmacs.mock.calls.length;
    expect(afterFirst).toBeGreaterThan(0);
    expect(verifier.verify(token)).toEqual({ id, stale: true, key: storeKeyOf(id) });
    expect(hmacs.mock.calls.length).toBe(afterFirst);
  });

  it('checks a forged token every time and never remembers it', () => {
    const verifier = new TokenVerifier([SECRET]);
    const forged = signSessionId(generateSessionId(), 'not-our-secret-0123456789-abcdefghijk');
    hmacs.mockClear();
    expect(verifier.verify(forged)).toBeNull();
    expect(verifier.verify(forged)).toBeNull();
    expect(hmacs).toHaveBeenCalledTimes(2);
  });

  it('stays within its capacity, verifying evicted tokens again', () => {
    const verifier = new TokenVerifier([SECRET], 2);
    const [a, b, c] = [1, 2, 3].map(() => signSessionId(generateSessionId(), SECRET)) as [string, string, string];
    verifier.verify(a);
    verifier.verify(b);
    verifier.verify(c);
    hmacs.mockClear();
    verifier.verify(c);
    expect(hmacs).not.toHaveBeenCalled();
    expect(verifier.verify(a)).not.toBeNull();
    expect(hmacs).toHaveBeenCalledTimes(1);
  });
});
