import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { parseCookie } from 'cookie';
import type { IncomingHttpHeaders } from 'node:http';
import { RESOLVED_SESSION_OPTIONS } from './session.constants.js';
import type { ResolvedSessionOptions } from './resolved-options.js';
import type { TokenChannel } from './session.js';

export interface PresentedToken {
  token: string;
  via: TokenChannel;
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
  }

  private readonly vary: string;

  /** The token the client sent, or undefined when it sent none. A repeated header is kept as invalid. */
  read(request: { headers: IncomingHttpHeaders }): PresentedToken | undefined {
    const { transport, headerName, cookie } = this.options;
    if (transport !== 'cookie') {
      const header = request.headers[headerName];
      if (header !== undefined) {
        return { token: Array.isArray(header) ? '' : header, via: 'header' };
      }
    }
    if (transport !== 'header') {
      const raw = request.headers.cookie;
      if (raw) {
        const token = parseCookie(raw)[cookie.name];
        if (token !== undefined) return { token, via: 'cookie' };
      }
    }
    return undefined;
  }

  /** Sends a token: as the cookie, the header, or both, following how the client sent its own. */
  write(response: unknown, token: string, via: TokenChannel | undefined, expiresAt: number, now: number): void {
    const adapter = this.adapterHost.httpAdapter;
    const { cookie, transport, headerName } = this.options;
    this.noStore(response);
    if (transport !== 'cookie' && (via === 'header' || transport === 'header' || via === undefined)) {
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

  retryLater(response: unknown): void {
    this.adapterHost.httpAdapter.setHeader(response, 'Retry-After', String(this.options.retryAfter));
  }

  // A response that carries a session token must never be cached or served to another user.
  private noStore(response: unknown): void {
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    adapter.appendHeader(response, 'Vary', this.vary);
  }
}
