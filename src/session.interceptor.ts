import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
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
 * them. It runs on every route, so it is one plain subscription rather than an operator chain,
 * and a request with nothing to write passes through without waiting on a promise.
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
    return new Observable((subscriber) => {
      let writing: Promise<void> | undefined;
      const fail = (error: unknown) => {
        if (error instanceof SessionStoreUnavailableError) this.sessions.carrier.retryLater(response);
        subscriber.error(error);
      };
      return next.handle().subscribe({
        next: (body) => {
          const session = request[SESSION_REQUEST_KEY];
          try {
            writing = session && this.sessions.commit(session, request, response);
          } catch (error) {
            // Thrown inside a subscriber, it would escape to the process; it belongs to this request.
            fail(error);
            return;
          }
          if (writing) writing = writing.then(() => subscriber.next(body), fail);
          else subscriber.next(body);
        },
        error: fail,
        complete: () => {
          if (writing) void writing.then(() => subscriber.complete());
          else subscriber.complete();
        },
      });
    });
  }
}
