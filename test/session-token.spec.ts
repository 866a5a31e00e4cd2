import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { generateSessionId, signSessionId, storeKeyOf, verifySessionToken } from '../src/token/session-token.js';

const CURRENT = 'current-secret-0123456789-abcdefghijkl';
const OLDER = 'older-secret-0123456789-abcdefghijklmn';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual), createHmac: vi.fn(actual.createHmac) };
});

describe('session tokens', () => {
  it('generates 256-bit base64url IDs that do not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, generateSessionId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(32);
  });

  it('keys the store by a SHA-256 of the ID, never the ID itself', () => {
    const id = generateSessionId();
    const key = storeKeyOf(id);
    expect(key).toBe(crypto.createHash('sha256').update(id).digest('base64url'));
    expect(key).not.toContain(id);
  });

  it('verifies with the current secret and flags older secrets for re-signing', () => {
    const id = generateSessionId();
    expect(verifySessionToken(signSessionId(id, CURRENT), [CURRENT, OLDER])).toEqual({ id, stale: false });
    expect(verifySessionToken(signSessionId(id, OLDER), [CURRENT, OLDER])).toEqual({ id, stale: true });
    expect(verifySessionToken(signSessionId(id, OLDER), [CURRENT])).toBeNull();
  });

  it('refuses tampered, truncated, padded and non-canonical tokens', () => {
    const id = generateSessionId();
    const token = signSessionId(id, CURRENT);
    const sig = token.slice(44);
    const last = sig.at(-1) as string;
    // The last base64url character of 32 bytes carries 2 unused bits: a sibling decodes the same.
    const sibling = String.fromCharCode(last.charCodeAt(0) + 1);
    for (const bad of [
      `${token}=`,
      token.slice(0, -1),
      `${id}.${sig.slice(0, -1)}${sibling}`,
      `${generateSessionId()}.${sig}`,
      `${id}:${sig}`,
      token.replace(/.$/, '+'),
    ]) {
      expect(verifySessionToken(bad, [CURRENT]), bad).toBeNull();
    }
  });

  it('compares signatures in constant time against every secret, even after a match', () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    compare.mockClear();
    const token = signSessionId(generateSessionId(), CURRENT);
    verifySessionToken(token, [CURRENT, OLDER, `${OLDER}-third`]);
    expect(compare).toHaveBeenCalledTimes(3);
    compare.mockClear();
    verifySessionToken(`${token.slice(0, 44)}${'A'.repeat(43)}`, [CURRENT, OLDER]);
    expect(compare).toHaveBeenCalledTimes(2);
  });

  it('decides on the constant-time comparison alone, with no early-exit compare beside it', () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    compare.mockClear();
    const id = generateSessionId();
    const token = signSessionId(id, CURRENT);
    compare.mockReturnValueOnce(false);
    expect(verifySessionToken(token, [CURRENT])).toBeNull();
    // An all-zero signature of canonical shape passes only if nothing but timingSafeEqual decides.
    compare.mockReturnValueOnce(true);
    expect(verifySessionToken(`${id}.${Buffer.alloc(32).toString('base64url')}`, [CURRENT])).toEqual({ id, stale: false });
    const [given, expected] = compare.mock.calls[0] as [Buffer, Buffer];
    expect(given).toEqual(Buffer.from(token.slice(44), 'base64url'));
    expect(expected).toEqual(crypto.createHmac('sha256', CURRENT).update(id).digest());
  });

  it('does the same work whichever secret signed the token, or none did', () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    const hmac = vi.mocked(crypto.createHmac);
    const secrets = [CURRENT, OLDER, `${OLDER}-third`];
    const id = generateSessionId();
    const work = secrets.map((signer) => signSessionId(id, signer)).concat(`${id}.${'B'.repeat(42)}A`).map((token) => {
      compare.mockClear();
      hmac.mockClear();
      verifySessionToken(token, secrets);
      return [compare.mock.calls.length, hmac.mock.calls.length];
    });
    expect(work).toEqual([[3, 3], [3, 3], [3, 3], [3, 3]]);
  });
});
