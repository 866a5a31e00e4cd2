import { type CanActivate, type ExecutionContext, Injectable, UnsupportedMediaTypeException } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Refuses a request whose body is not JSON (415), against login CSRF. Signing in needs no cookie,
 * so SameSite cannot stop another site's form from signing a visitor in to the attacker's account.
 * The session module refuses such a form first (403, by its Origin and Fetch Metadata checks);
 * this is the second layer: forms can only send urlencoded, multipart or text/plain bodies, and a
 * JSON request from another origin needs a CORS preflight, which this app never grants.
 */
@Injectable()
export class JsonOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>();
    if (!JSON_TYPE.test(headers['content-type'] ?? '')) throw new UnsupportedMediaTypeException('Send the body as JSON');
    return true;
  }
}
