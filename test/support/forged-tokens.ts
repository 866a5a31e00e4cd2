import fc from 'fast-check';
import { signSessionId } from '../../src/token/session-token.js';

/** One forged session token as a client might present it, and how it was made. */
export interface ForgedDelivery {
  kind: string;
  /** The values of the `Cookie` request header (several when the client repeats it). */
  cookie: string[];
  /** The values of the token request header (several when the client repeats it). */
  header: string[];
}

const BASE64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map((b) => Buffer.from(b));
const encoded32 = bytes(32).map((b) => b.toString('base64url'));
const latin1 = (utf8: string) => Buffer.from(utf8, 'utf8').toString('latin1');

/**
 * Tokens no accepted secret signed, from plain junk to near misses of the real format. Every one
 * must be refused without a store access. `accepted` lists the secrets the app verifies with.
 */
export function forgedToken(accepted: readonly string[]): fc.Arbitrary<{ kind: string; value: string }> {
  const retired = fc.string({ minLength: 32, maxLength: 64 }).filter((secret) => !accepted.includes(secret));
  const current = accepted[0] as string;
  const kinds: Record<string, fc.Arbitrary<string>> = {
    'random bytes': fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
    huge: fc
      .tuple(fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 16 }), fc.integer({ min: 200, max: 3000 }))
      .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length)),
    'bad base64': fc
      .tuple(encoded32, encoded32, fc.nat(85), fc.constantFrom('+', '/', '=', '.', ' ', '%', '*', '~', '\u00e9', ':'))
      .map(([id, sig, at, bad]) => {
        const token = `${id}.${sig}`;
        const i = at >= 43 ? at + 1 : at;
        return token.slice(0, i) + bad + token.slice(i + 1);
      }),
    'standard base64': fc
      .tuple(bytes(32), fc.constantFrom(...accepted))
      .map(([id, secret]) => {
        const token = signSessionId(id.toString('base64url'), secret);
        return `${id.toString('base64')}.${Buffer.from(token.slice(44), 'base64url').toString('base64')}`;
      }),
    // The last of 43 characters carries two unused bits: a sibling decodes to the same signature.
    'non-canonical signature': fc
      .tuple(encoded32, fc.constantFrom(...accepted), fc.integer({ min: 1, max: 3 }))
      .map(([id, secret, bits]) => {
        const token = signSessionId(id, secret);
        const last = BASE64URL.indexOf(token.at(-1) as string);
        return token.slice(0, -1) + (BASE64URL[last ^ bits] as string);
      }),
    'wrong length': fc
      .tuple(encoded32, fc.constantFrom(...accepted), fc.integer({ min: -3, max: 3 }).filter((n) => n !== 0))
      .map(([id, secret, delta]) => {
        const token = signSessionId(id, secret);
        return delta < 0 ? token.slice(0, delta) : token + 'A'.repeat(delta);
      }),
    'valid ID, bad signature': fc.tuple(encoded32, encoded32).map(([id, sig]) => `${id}.${sig}`),
    'signature of another ID': fc
      .tuple(encoded32, encoded32, fc.constantFrom(...accepted))
      .filter(([id, other]) => id !== other)
      .map(([id, other, secret]) => `${id}.${signSessionId(other, secret).slice(44)}`),
    'halves swapped': fc.tuple(encoded32, fc.constantFrom(...accepted)).map(([id, secret]) => {
      const token = signSessionId(id, secret);
      return `${token.slice(44)}.${id}`;
    }),
    'retired secret': fc.tuple(encoded32, retired).map(([id, secret]) => signSessionId(id, secret)),
    'current secret, tampered ID': fc
      .tuple(encoded32, fc.nat(42), fc.constantFrom(...BASE64URL))
      .map(([id, at, c]) => {
        const token = signSessionId(id, current);
        return token[at] === c ? token.slice(0, at) + (c === 'A' ? 'B' : 'A') + token.slice(at + 1) : token.slice(0, at) + c + token.slice(at + 1);
      }),
  };
  const base = fc.oneof(...Object.entries(kinds).map(([kind, value]) => value.map((v) => ({ kind, value: v }))));
  const retiredToken = fc.tuple(encoded32, retired).map(([id, secret]) => signSessionId(id, secret));
  // Encodings a parser might normalise into something else: each wraps a retired-secret token or
  // any other forged value.
  const encodings: Array<[string, (token: string) => string]> = [
    ['percent-encoded', (t) => [...t].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')],
    ['percent-encoded dot', (t) => t.replace('.', '%2E')],
    ['double percent-encoded dot', (t) => t.replace('.', '%252E')],
    ['overlong UTF-8 dot', (t) => t.replace('.', '%C0%AE')],
    ['fullwidth dot', (t) => t.replace('.', latin1('\uff0e'))],
    ['quoted', (t) => `"${t}"`],
    ['NUL appended', (t) => `${t}%00`],
    ['padded with whitespace', (t) => ` \t${t}\t `],
    ['zero-width joiner', (t) => `${t.slice(0, 20)}${latin1('\u200d')}${t.slice(20)}`],
    ['upper-cased', (t) => t.toUpperCase()],
  ];
  // Cut to 300 characters so that percent-encoding stays within Node's 16 KiB header limit.
  const encoded = fc
    .tuple(fc.oneof(retiredToken, base.map((b) => b.value.slice(0, 300))), fc.constantFrom(...encodings))
    .map(([token, [name, encode]]) => ({ kind: `odd encoding: ${name}`, value: encode(token) }));
  return fc.oneof({ weight: 3, arbitrary: base }, { weight: 1, arbitrary: encoded });
}

/**
 * A forged token delivered the ways a client can: in the cookie (alone, among other cookies, or
 * repeated), in the token header (once or repeated), or in both at once.
 */
export function forgedDelivery(accepted: readonly string[], cookieName: string): fc.Arbitrary<ForgedDelivery> {
  const token = forgedToken(accepted);
  const pair = (value: string) => `${cookieName}=${value}`;
  const cookieOnly = fc
    .tuple(token, fc.constantFrom('', 'theme=dark; '), fc.constantFrom('', '; lang=en'))
    .map(([t, before, after]) => ({ kind: t.kind, cookie: [before + pair(t.value) + after], header: [] }));
  const repeatedCookie = fc
    .tuple(fc.array(token, { minLength: 2, maxLength: 4 }), fc.boolean())
    .map(([tokens, separateHeaders]) => {
      const pairs = tokens.map((t) => pair(t.value));
      return { kind: 'repeated cookie', cookie: separateHeaders ? pairs : [pairs.join('; ')], header: [] };
    });
  const headerOnly = fc
    .array(token, { minLength: 1, maxLength: 3 })
    .map((tokens) => ({ kind: tokens.length > 1 ? 'repeated header' : (tokens[0] as { kind: string }).kind, cookie: [], header: tokens.map((t) => t.value) }));
  const both = fc
    .tuple(token, token)
    .map(([c, h]) => ({ kind: 'cookie and header', cookie: [pair(c.value)], header: [h.value] }));
  return fc.oneof({ weight: 4, arbitrary: cookieOnly }, repeatedCookie, { weight: 2, arbitrary: headerOnly }, both);
}
