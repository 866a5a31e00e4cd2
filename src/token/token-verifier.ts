import { hash } from 'node:crypto';
import { storeKeyOf, type VerifiedToken, verifySessionToken } from './session-token.js';

export interface VerifiedSessionToken extends VerifiedToken {
  /** The store key of the ID. */
  key: string;
}

// Enough for the tokens of the sessions active on one instance; each entry is about 300 bytes.
const DEFAULT_CAPACITY = 10_000;

/**
 * Verifies tokens, remembering the ones that verified. Whether a token verifies depends only on
 * the token and the secrets, which do not change while the app runs, so a remembered answer is
 * the answer; it saves the HMAC and the hash on every request of an active session. Tokens that
 * fail are never remembered, so forged ones cannot fill the cache. Entries are found by a digest
 * of the token, never by the token itself, so how long a lookup takes says nothing about how
 * much of a forged token matches a real one.
 */
export class TokenVerifier {
  private readonly verified = new Map<string, VerifiedSessionToken>();

  constructor(
    private readonly secrets: readonly string[],
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  verify(token: string): VerifiedSessionToken | null {
    const digest = hash('sha256', token, 'base64url');
    const known = this.verified.get(digest);
    if (known) return known;
    const result = verifySessionToken(token, this.secrets);
    if (!result) return null;
    const entry = { ...result, key: storeKeyOf(result.id) };
    // Oldest first: a still-active session evicted here is simply verified again.
    if (this.verified.size >= this.capacity) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(digest, entry);
    return entry;
  }
}
