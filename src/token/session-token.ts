import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';

// 32 random bytes and a 32-byte HMAC-SHA256, each 43 characters of unpadded base64url.
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;
export const MAX_TOKEN_LENGTH = 87;

/** 256 bits from the OS CSPRNG, base64url. */
export function generateSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** The store key: a SHA-256 of the ID, so a store dump holds nothing that opens a session. */
export function storeKeyOf(id: string): string {
  return hash('sha256', id, 'base64url');
}

// A SHA-256 in unpadded base64url, as storeKeyOf makes it.
const HANDLE_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** Whether a string has the shape of a session handle (a store key): anything else names no session. */
export function isSessionHandle(handle: string): boolean {
  return HANDLE_FORMAT.test(handle);
}

function mac(id: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(id).digest();
}

export function signSessionId(id: string, secret: string): string {
  return `${id}.${mac(id, secret).toString('base64url')}`;
}

export interface VerifiedToken {
  id: string;
  /** True when an older secret signed it: the token should be re-signed with the current one. */
  stale: boolean;
}

/**
 * Checks the token's shape, then its signature against every secret in constant time.
 * Returns null for anything unsigned, forged, tampered, malformed or oversized.
 */
export function verifySessionToken(token: string, secrets: readonly string[]): VerifiedToken | null {
  if (token.length !== MAX_TOKEN_LENGTH || !TOKEN_FORMAT.test(token)) return null;
  const id = token.slice(0, 43);
  const given = Buffer.from(token.slice(44), 'base64url');
  // Base64url of 43 chars can carry stray low bits; only the canonical encoding is accepted.
  if (given.length !== 32 || given.toString('base64url') !== token.slice(44)) return null;
  let match = -1;
  // Every secret is tried, even after a match, so the time taken does not reveal which one matched.
  secrets.forEach((secret, i) => {
    if (timingSafeEqual(given, mac(id, secret)) && match === -1) match = i;
  });
  return match === -1 ? null : { id, stale: match > 0 };
}
