import { createHmac, timingSafeEqual } from 'node:crypto';

// `s:<id>.<signature>`: cookie-signature's HMAC-SHA256 in base64 without padding is 43 characters.
const SIGNATURE_LENGTH = 43;
// express-session's IDs are 32 characters; a custom genid may make longer ones. Bounded so that
// a huge forged cookie costs no more than a real one.
const MAX_COOKIE_LENGTH = 512;

function decoded(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    // As the `cookie` package express-session parses with: an undecodable value is taken as it is.
    return value;
  }
}

/** cookie-signature's `sign`, without the value: what express-session appends after the dot. */
function signatureOf(id: string, secret: string): Buffer {
  return Buffer.from(createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, ''));
}

/**
 * The session ID of an express-session cookie value (`s:<id>.<signature>`, URL-encoded as it
 * arrives), or null when no secret signed it. Every secret is tried, in constant time, even
 * after a match, so the time taken says nothing about which one matched.
 */
export function unsignExpressSessionCookie(value: string, secrets: readonly string[]): string | null {
  if (value.length > MAX_COOKIE_LENGTH) return null;
  const cookie = decoded(value);
  const dot = cookie.lastIndexOf('.');
  if (!cookie.startsWith('s:') || dot < 3 || cookie.length - dot - 1 !== SIGNATURE_LENGTH) return null;
  const id = cookie.slice(2, dot);
  const given = Buffer.from(cookie.slice(dot + 1));
  // A multi-byte character would make the byte length differ, and timingSafeEqual throw.
  if (given.length !== SIGNATURE_LENGTH) return null;
  let valid = false;
  for (const secret of secrets) {
    if (timingSafeEqual(given, signatureOf(id, secret))) valid = true;
  }
  return valid ? id : null;
}
