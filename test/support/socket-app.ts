import {
  Body,
  Controller,
  Get,
  HttpCode,
  type INestApplication,
  Module,
  Post,
  UseGuards,
} from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { AddressInfo } from 'node:net';
import { type Socket as IoSocket, io } from 'socket.io-client';
import request from 'supertest';
import WebSocket from 'ws';
import {
  AllowAnonymous,
  CurrentSession,
  Session,
  SessionGuard,
  SessionModule,
  type SessionModuleOptions,
  SessionService,
  SessionSocketAdapter,
} from '../../src/index.js';
import { startNestApp, testClock } from './nest-app.js';
import { type AdapterName, SECRET, cookiePair } from './test-app.js';

/** Nest's two WebSocket adapters: socket.io (`IoAdapter`) and plain WebSockets (`WsAdapter`). */
export type SocketAdapterName = 'socket.io' | 'ws';
export const SOCKET_ADAPTERS: SocketAdapterName[] = ['socket.io', 'ws'];

/** What a guarded message may answer, or how it was refused. */
export type Answer =
  | { data: Record<string, unknown> }
  | { exception: { status?: string; message?: string; [key: string]: unknown } }
  | { closed: true };

interface AppData {
  note?: string;
  [key: string]: unknown;
}

@Controller()
class LoginController {
  @Post('login')
  @HttpCode(200)
  @AllowAnonymous()
  @UseGuards(SessionGuard)
  async login(@Body() body: { user: string }, @CurrentSession() session: Session<AppData>) {
    await session.regenerate({ userId: body.user });
    return { user: session.userId };
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@CurrentSession() session: Session<AppData>) {
    return { user: session.userId, data: session.toJSON() };
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(SessionGuard)
  async logout(@CurrentSession() session: Session<AppData>) {
    await session.destroy();
  }
}

/**
 * The app's gateway on its own HTTP server. Nest's socket.io adapter answers a handler's return
 * value through the client's ack; its ws adapter sends it as a message, so there the handlers
 * return `{ event, data }`.
 */
function gatewayFor(adapter: SocketAdapterName) {
  const reply = (event: string, data: Record<string, unknown>) => (adapter === 'ws' ? { event, data } : data);

  @WebSocketGateway()
  @UseGuards(SessionGuard)
  class SessionGateway {
    @SubscribeMessage('whoami')
    whoami(@CurrentSession() session: Session<AppData>) {
      return reply('whoami', { user: session.userId ?? null });
    }

    @SubscribeMessage('note')
    note(@CurrentSession('note') note: string | undefined) {
      return reply('note', { note: note ?? null });
    }

    @SubscribeMessage('remember')
    remember(@MessageBody() value: string, @CurrentSession() session: Session<AppData>) {
      session.set('note', value);
      return reply('remember', { ok: true });
    }

    @SubscribeMessage('regenerate')
    async regenerate(@CurrentSession() session: Session<AppData>) {
      await session.regenerate();
      return reply('regenerate', { ok: true });
    }

    @SubscribeMessage('logout')
    async logout(@CurrentSession() session: Session<AppData>) {
      await session.destroy();
      return reply('logout', { ok: true });
    }
  }
  return SessionGateway;
}

export interface SocketApp {
  app: INestApplication;
  port: number;
  /** The server to hand to supertest. */
  server: unknown;
  sessions: SessionService;
  advance(ms: number): void;
  /** Logs in over HTTP and returns what a client presents: the `sid=...` pair, or the header token. */
  login(user: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real Nest app listening on a free port, with a login controller and the gateway above, and
 * sessions on its sockets through `SessionSocketAdapter` around Nest's own adapter.
 */
export async function createSocketApp(
  adapter: SocketAdapterName,
  options: Partial<SessionModuleOptions> = {},
  http: AdapterName = 'express',
): Promise<SocketApp> {
  const clock = testClock();
  @Module({
    imports: [SessionModule.forRoot({ secrets: [SECRET], cookie: { secure: false }, clock: clock.now, ...options })],
    controllers: [LoginController],
    providers: [gatewayFor(adapter)],
  })
  class SocketTestModule {}

  const app = await startNestApp(SocketTestModule, http, {
    listen: true,
    prepare: (nest) => nest.useWebSocketAdapter(new SessionSocketAdapter(nest, adapter === 'ws' ? new WsAdapter(nest) : new IoAdapter(nest))),
  });
  const server = app.getHttpServer();
  const byHeader = options.transport === 'header';
  return {
    app,
    port: (server.address() as AddressInfo).port,
    server,
    sessions: app.get(SessionService),
    advance: clock.advance,
    login: async (user) => {
      const res = await request(server).post('/login').send({ user });
      if (res.status !== 200) throw new Error(`login answered ${res.status}`);
      const presented = byHeader ? (res.headers[options.headerName ?? 'x-session-token'] as string | undefined) : cookiePair(res.headers['set-cookie']);
      if (!presented) throw new Error('login gave no token');
      return presented;
    },
    close: () => app.close(),
  };
}

/** How a client presents its session at the handshake. */
export interface Handshake {
  /** A `Cookie` header, as a browser sends it. */
  cookie?: string;
  /** The bare token: socket.io's `auth.token`, or the ws client's token header. */
  token?: string;
  /** Extra request headers, as they are (ws and socket.io's `extraHeaders`). */
  headers?: Record<string, string | string[]>;
}

/** Why the server refused a connection. */
export interface Refusal {
  /** socket.io: the `connect_error` message. */
  message?: string;
  /** socket.io: `err.data.code`. */
  code?: string;
  /** ws: the status of the HTTP answer to the upgrade. */
  status?: number;
}

/** One connected client, the same for both adapters. */
export interface SessionSocket {
  /** Sends a message and waits for its answer, the exception it raised, or the end of the connection. */
  ask(event: string, data?: unknown): Promise<Answer>;
  /** Settles when the server ends the connection (or the client does). */
  readonly closed: Promise<{ reason: string }>;
  /** Every `exception` the server sent, in order. */
  readonly exceptions: Array<Record<string, unknown>>;
  readonly open: boolean;
  close(): void;
}

const WAIT = 5000;

/** Settles as the promise does, or fails clearly after `ms`: no test ever waits on a hang. */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Connects, and resolves to the socket, or to the server's refusal. */
export function connect(adapter: SocketAdapterName, port: number, handshake: Handshake, tokenHeader = 'x-session-token'): Promise<SessionSocket | Refusal> {
  const headers: Record<string, string | string[]> = { ...handshake.headers };
  if (handshake.cookie !== undefined) headers.cookie = handshake.cookie;
  return within(adapter === 'ws' ? connectWs(port, headers, handshake.token, tokenHeader) : connectIo(port, headers, handshake.token), `connecting over ${adapter}`);
}

/** Connects and expects to be let in. */
export async function connected(adapter: SocketAdapterName, port: number, handshake: Handshake): Promise<SessionSocket> {
  const result = await connect(adapter, port, handshake);
  if (!('ask' in result)) throw new Error(`connection refused: ${JSON.stringify(result)}`);
  return result;
}

function connectIo(port: number, headers: Record<string, string | string[]>, token: string | undefined): Promise<SessionSocket | Refusal> {
  const extraHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join('; ') : value]));
  const socket: IoSocket = io(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders,
    ...(token !== undefined ? { auth: { token } } : {}),
  });
  const exceptions: Array<Record<string, unknown>> = [];
  socket.on('exception', (payload: Record<string, unknown>) => exceptions.push(payload));
  const closed = new Promise<{ reason: string }>((resolve) => socket.once('disconnect', (reason) => resolve({ reason })));
  return new Promise((resolve) => {
    socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
      socket.close();
      resolve({ message: error.message, ...(error.data?.code !== undefined ? { code: error.data.code } : {}) });
    });
    socket.once('connect', () =>
      resolve({
        exceptions,
        closed,
        get open() {
          return socket.connected;
        },
        close: () => socket.close(),
        ask: (event, data) =>
          new Promise<Answer>((settle) => {
            const onException = (exception: Record<string, unknown>) => settle({ exception });
            socket.once('exception', onException);
            void closed.then(() => settle({ closed: true }));
            const ack = (answer: Record<string, unknown>) => {
              socket.off('exception', onException);
              settle({ data: answer });
            };
            if (data === undefined) socket.emit(event, ack);
            else socket.emit(event, data, ack);
          }),
      }),
    );
  });
}

function connectWs(port: number, headers: Record<string, string | string[]>, token: string | undefined, tokenHeader: string): Promise<SessionSocket | Refusal> {
  const all = token === undefined ? headers : { ...headers, [tokenHeader]: token };
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: all });
  const exceptions: Array<Record<string, unknown>> = [];
  const inbox: Array<(message: { event: string; data: Record<string, unknown> }) => boolean> = [];
  ws.on('message', (raw) => {
    const message = JSON.parse(String(raw)) as { event: string; data: Record<string, unknown> };
    if (message.event === 'exception') exceptions.push(message.data);
    const waiting = inbox.findIndex((wants) => wants(message));
    if (waiting >= 0) inbox.splice(waiting, 1);
  });
  const closed = new Promise<{ reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ reason: `${code} ${String(reason)}`.trim() })));
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      resolve({ status: res.statusCode ?? 0 });
    });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => undefined);
      resolve({
        exceptions,
        closed,
        get open() {
          return ws.readyState === WebSocket.OPEN;
        },
        close: () => ws.close(),
        ask: (event, data) =>
          new Promise<Answer>((settle) => {
            inbox.push((message) => {
              if (message.event === event) settle({ data: message.data });
              else if (message.event === 'exception') settle({ exception: message.data });
              else return false;
              return true;
            });
            void closed.then(() => settle({ closed: true }));
            ws.send(JSON.stringify({ event, data }));
          }),
      });
    });
  });
}
