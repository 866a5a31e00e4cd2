import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'node:http';
import { RESOLVED_SESSION_OPTIONS } from '../session.constants.js';
import type { ResolvedSessionOptions } from '../config/resolved-options.js';
import type { TokenChannel } from '../session/session.js';
import { SessionStoreUnavailableError } from '../session/session.errors.js';

export interface PresentedToken {
  /** One token, or every value of a cookie the client sent more than once. */
  tokens: string[];
  via: TokenChannel;
}

/**
 * Every value of the named cookie, in the order sent. Browsers send several when cookies of one
 * name were set for different domains or paths (a sibling subdomain can set one for the parent
 * domain), and which comes first says nothing about which is ours.
 */
export function cookieValues(header: string, name: string): string[] {
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}

/** Reads the token from a request and writes it to a response, the same on Express and Fastify. */
@Injectable()
export class TokenCarrier {
  constructor(
    @Inject(RESOLVED_SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    const { transport, headerName } = options;
    this.vary = transport === 'cookie' ? 'Cookie' : transport === 'header' ? headerName : `Cookie, ${headerName}`;
    this.requestHeader = `${headerName}-request`;
  }

  private readonly vary: string;
  private readonly requestHeader: string;

  /** The token the client sent, or undefined when it sent none. A repeated header is kept as invalid. */
  read(request: { headers: IncomingHttpHeaders }): PresentedToken | undefined {
    const { transport, headerName, cookie } = this.options;
    if (transport !== 'cookie') {
      const header = request.headers[headerName];
      if (header !== undefined) {
        return { tokens: [Array.isArray(header) ? '' : header], via: 'header' };
      }
    }
    if (transport !== 'header') {
      const raw = request.headers.cookie;
      if (raw) {
        const tokens = cookieValues(raw, cookie.name);
        if (tokens.length > 0) return { tokens, via: 'cookie' };
      }
    }
    return undefined;
  }

  /**
   * How a client without a token wants its first one. With `transport: 'both'` a token goes in
   * the header only to a client that asks for it with `<headerName>-request`: a browser page
   * that got it in a header could hand it to any script, and HttpOnly would be for nothing.
   */
  channelAskedFor(request: { headers: IncomingHttpHeaders }): TokenChannel | undefined {
    return this.options.transport === 'both' && request.headers[this.requestHeader] !== undefined ? 'header' : undefined;
  }

  /** Sends a token: as the cookie or the header, following how the client sent or asked for its own. */
  write(response: unknown, token: string, via: TokenChannel | undefined, expiresAt: number, now: number): void {
    const adapter = this.adapterHost.httpAdapter;
    const { cookie, transport, headerName } = this.options;
    this.noStore(response);
    if (transport === 'header' || (transport === 'both' && via === 'header')) {
      adapter.setHeader(response, headerName, token);
    }
    if (transport !== 'header' && via !== 'header') {
      adapter.setCookie(response, cookie.name, token, {
        httpOnly: true,
        secure: cookie.secure,
        sameSite: cookie.sameSite,
        path: cookie.path,
        domain: cookie.domain,
        maxAge: cookie.persistent ? Math.max(0, Math.floor((expiresAt - now) / 1000)) : undefined,
      });
    }
  }

  /** Tells the client to drop its token. */
  clear(response: unknown, via: TokenChannel | undefined): void {
    const { cookie } = this.options;
    this.noStore(response);
    if (via === 'cookie') {
      this.adapterHost.httpAdapter.clearCookie(response, cookie.name, {
        httpOnly: true,
        secure: cookie.secure,
        sameSite: cookie.sameSite,
        path: cookie.path,
        domain: cookie.domain,
      });
    }
  }

  /** When the error is the store's outage, tells the client when to retry; any other error carries no hint. */
  retryLaterOn(response: unknown, error: unknown): void {
    if (response === undefined || !(error instanceof SessionStoreUnavailableError)) return;
    this.adapterHost.httpAdapter.setHeader(response, 'Retry-After', String(this.options.retryAfter));
  }

  /**
   * A response to a request with a session shows that user's data: no shared cache may keep it.
   * A handler that set its own `Cache-Control` knows what it serves, and keeps it.
   */
  keepPrivate(response: unknown): void {
    const own = (response as { getHeader?(name: string): unknown }).getHeader?.('cache-control');
    if (own === undefined) this.noStore(response);
  }

  // A response that carries a session token, or a user's data, must never be cached or served to another user.
  private noStore(response: unknown): void {
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Cache-Control', 'private, no-store');
    adapter.appendHeader(response, 'Vary', this.vary);
  }
}
