import type { INestApplicationContext, WebSocketAdapter, WsMessageHandler } from '@nestjs/common';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Observable } from 'rxjs';
import { RESOLVED_SESSION_OPTIONS, SOCKET_SESSION_KEY } from '../session.constants.js';
import { SessionStoreUnavailableError } from '../session/session.errors.js';
import type { ResolvedSessionOptions } from '../config/resolved-options.js';
import type { SessionSocket } from './execution-context.js';
import { SessionManager, type SocketSession } from '../session/session.manager.js';

/** Why a handshake was refused, as socket.io's `connect_error` and the ws upgrade answer carry it. */
interface Refusal {
  status: number;
  message: string;
  code: string;
}

/** socket.io's server or namespace, as far as this adapter uses it. */
interface SocketIoServer {
  use(middleware: (socket: SocketIoSocket, next: (error?: Error) => void) => void): unknown;
}
interface SocketIoSocket extends SessionSocket {
  handshake: { headers: IncomingHttpHeaders; auth?: { token?: unknown } };
}

/** ws's `verifyClient`, the hook that may refuse an upgrade before it happens. */
type VerifyClient = (
  info: { req: IncomingMessage; origin: string; secure: boolean },
  callback: (accept: boolean, code?: number, message?: string) => void,
) => void;

type ClosableSocket = SessionSocket & {
  disconnect?(close: boolean): unknown;
  close?(code: number, reason: string): unknown;
  once?(event: string, listener: () => void): unknown;
};

/**
 * Puts sessions on WebSocket connections, around the platform adapter an app already uses:
 *
 *     app.useWebSocketAdapter(new SessionSocketAdapter(app, new IoAdapter(app)));
 *     app.useWebSocketAdapter(new SessionSocketAdapter(app, new WsAdapter(app)));
 *
 * A connection opens only with a valid session, read from the handshake's cookie or token header
 * (socket.io clients may send the token as `auth: { token }`); otherwise socket.io answers a
 * `connect_error` and ws refuses the upgrade with 401. `SessionGuard` on gateway handlers reads
 * the session again for every message, and when this instance ends a session, its sockets close.
 */
export class SessionSocketAdapter implements WebSocketAdapter {
  // The session each accepted ws upgrade request opened with, until its connection is made.
  private readonly accepted = new WeakMap<object, SocketSession>();
  private manager?: SessionManager;
  private options?: ResolvedSessionOptions;

  constructor(
    private readonly app: INestApplicationContext,
    private readonly inner: WebSocketAdapter,
  ) {}

  create(port: number, options: Record<string, unknown> = {}): unknown {
    const own = options.verifyClient as VerifyClient | undefined;
    const verifyClient: VerifyClient = (info, callback) => {
      void this.open(info.req.headers).then((opened) => {
        if ('status' in opened) return callback(false, opened.status, opened.message);
        this.accepted.set(info.req, opened);
        return own ? own(info, callback) : callback(true);
      });
    };
    // socket.io ignores `verifyClient`; ws has no `use`. Each adapter takes the hook it knows.
    const server = this.inner.create(port, { ...options, verifyClient });
    if (typeof (server as Partial<SocketIoServer>).use === 'function') {
      (server as SocketIoServer).use((socket, next) => {
        const token = socket.handshake.auth?.token;
        void this.open(socket.handshake.headers, typeof token === 'string' ? token : undefined).then((opened) => {
          if ('status' in opened) return next(Object.assign(new Error(opened.message), { data: { code: opened.code } }));
          socket[SOCKET_SESSION_KEY] = opened;
          return next();
        });
      });
    }
    return server;
  }

  bindClientConnect(server: unknown, callback: (client: unknown, ...rest: unknown[]) => void): unknown {
    return this.inner.bindClientConnect(server, (client: ClosableSocket, ...rest: unknown[]) => {
      const request = rest[0];
      const opened = client[SOCKET_SESSION_KEY] ?? (typeof request === 'object' && request ? this.accepted.get(request) : undefined);
      if (opened) {
        client[SOCKET_SESSION_KEY] = opened;
        const unwatch = this.sessions().watch(opened.key, () => closeSocket(client));
        client.once?.('disconnect', unwatch);
        client.once?.('close', unwatch);
      }
      callback(client, ...rest);
    });
  }

  bindClientDisconnect(client: unknown, callback: (...args: unknown[]) => void): unknown {
    return this.inner.bindClientDisconnect?.(client, callback);
  }

  closeClient(client: unknown): unknown {
    return this.inner.closeClient ? this.inner.closeClient(client) : closeSocket(client as ClosableSocket);
  }

  bindMessageHandlers(client: unknown, handlers: WsMessageHandler[], transform: (data: unknown) => Observable<unknown>): unknown {
    return this.inner.bindMessageHandlers(client, handlers, transform);
  }

  close(server: unknown): unknown {
    return this.inner.close(server);
  }

  dispose(): unknown {
    return (this.inner as { dispose?(): unknown }).dispose?.();
  }

  /** Reads the handshake's session: what the connection opens with, or why it may not open. */
  private async open(headers: IncomingHttpHeaders, authToken?: string): Promise<SocketSession | Refusal> {
    const sessions = this.sessions();
    const { transport, headerName } = this.resolvedOptions();
    const presented = authToken !== undefined && transport !== 'cookie' ? { ...headers, [headerName]: authToken } : headers;
    const refusal = sessions.crossSiteRefusal({ headers: presented, method: 'GET' }, true);
    if (refusal) return { status: 403, message: refusal, code: 'FORBIDDEN' };
    try {
      const result = await sessions.load({ headers: presented }, true);
      if (!('session' in result)) {
        sessions.telemetry?.refused(result.reason);
        return { status: 401, message: 'Session required', code: 'UNAUTHENTICATED' };
      }
      return { id: result.session.id as string, key: result.session.key as string };
    } catch (error) {
      if (error instanceof SessionStoreUnavailableError) {
        return { status: 503, message: 'Session store unavailable, please retry', code: 'SERVICE_UNAVAILABLE' };
      }
      return { status: 500, message: 'Internal server error', code: 'INTERNAL_SERVER_ERROR' };
    }
  }

  // Resolved on first use: gateways are created after the application's modules.
  private sessions(): SessionManager {
    this.manager ??= this.app.get(SessionManager, { strict: false });
    return this.manager;
  }

  private resolvedOptions(): ResolvedSessionOptions {
    this.options ??= this.app.get<ResolvedSessionOptions>(RESOLVED_SESSION_OPTIONS, { strict: false });
    return this.options;
  }
}

function closeSocket(client: ClosableSocket): void {
  if (typeof client.disconnect === 'function') client.disconnect(true);
  else client.close?.(1008, 'Session ended');
}
