import type { IncomingHttpHeaders } from 'node:http';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafeMethod(method: string | undefined): boolean {
  return SAFE_METHODS.has((method ?? 'GET').toUpperCase());
}

/**
 * Why a browser request looks forged by another site, or undefined: OWASP's Fetch Metadata check
 * (`Sec-Fetch-Site: cross-site`) and its Origin check (an `Origin` that is neither this host nor
 * allowed). A request with neither header comes from no browser, and carries no ambient cookie
 * to abuse, so it passes.
 */
export function forgeryReason(headers: IncomingHttpHeaders, allowedOrigins: ReadonlySet<string>): string | undefined {
  if (headers['sec-fetch-site'] === 'cross-site') return 'Cross-site request refused';
  const origin = headers.origin;
  if (origin === undefined || allowedOrigins.has(origin)) return undefined;
  return originHost(origin) === headers.host ? undefined : 'Cross-origin request refused';
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    // `Origin: null` (sandboxed frames, some redirects) and garbage name no host of ours.
    return undefined;
  }
}
