import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { contextError } from './transport-errors.js';
import { GRAPHQL_OPERATION_KEY, SESSION_MANAGER_REQUEST_KEY, SESSION_REQUEST_KEY } from '../session.constants.js';
import { sessionHostOf, socketMessage } from './execution-context.js';
import { SessionManager } from '../session/session.manager.js';

/**
 * Registered for the whole app by `SessionModule`: writes the call's session changes after the
 * handler returns and before the response is sent, so a client's next request always sees them.
 * A GraphQL operation whose driver hook is in place is written once, by that hook, at its end.
 * It runs on every route, so it is one plain subscription rather than an operator chain, and a
 * request with nothing to write passes through without waiting on a promise.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  constructor(private readonly sessions: SessionManager) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const host = sessionHostOf(context);
    if (!host) return next.handle();
    const { holder, request, response } = host;
    holder[SESSION_MANAGER_REQUEST_KEY] = this.sessions;
    const deferred = holder[GRAPHQL_OPERATION_KEY] === true;
    const observable = new Observable((subscriber) => {
      let writing: Promise<void> | undefined;
      const fail = (error: unknown) => {
        this.sessions.carrier.retryLaterOn(response, error);
        if (host.kind === 'http') subscriber.error(error);
        else void contextError(host.kind, error).then((translated) => subscriber.error(translated));
      };
      return next.handle().subscribe({
        next: (body) => {
          const session = holder[SESSION_REQUEST_KEY];
          try {
            writing = session && !deferred ? this.sessions.commit(session, request, response) : undefined;
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
    if (host.kind !== 'socket') return observable;
    return new Observable((subscriber) => socketMessage.run(holder, () => observable.subscribe(subscriber)));
  }
}
