import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { type Observable, catchError, concatMap, throwError } from 'rxjs';
import { SESSION_MANAGER_REQUEST_KEY, SESSION_REQUEST_KEY } from './session.constants.js';
import type { Session } from './session.js';
import { SessionStoreUnavailableError } from './session.errors.js';
import { type ClientRequest, SessionManager } from './session.manager.js';

type SessionRequest = ClientRequest & {
  [SESSION_REQUEST_KEY]?: Session<any>;
  [SESSION_MANAGER_REQUEST_KEY]?: SessionManager;
};

/**
 * Registered for the whole app by `SessionModule`: writes the request's session changes after
 * the handler returns and before the response is sent, so a client's next request always sees
 * them.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  constructor(private readonly sessions: SessionManager) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<SessionRequest>();
    const response = http.getResponse<unknown>();
    request[SESSION_MANAGER_REQUEST_KEY] = this.sessions;
    return next.handle().pipe(
      concatMap(async (body) => {
        const session = request[SESSION_REQUEST_KEY];
        if (session) await this.sessions.commit(session, request, response);
        return body;
      }),
      catchError((error: unknown) => {
        if (error instanceof SessionStoreUnavailableError) this.sessions.carrier.retryLater(response);
        return throwError(() => error);
      }),
    );
  }
}
