import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type INestApplication, Module, UseGuards } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Args, Field, GraphQLModule, Mutation, ObjectType, Query, Resolver, Subscription } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import request from 'supertest';
import { AllowAnonymous, CurrentSession, Session, SessionGuard, SessionModule, type SessionModuleOptions } from '../../src/index.js';
import { startNestApp, testClock } from './nest-app.js';
import { SECRET } from './test-app.js';

/** Apollo runs on Express, Mercurius on Fastify: the two ways Nest serves GraphQL over HTTP. */
export type GraphQLDriverName = 'apollo' | 'mercurius';
export const GRAPHQL_DRIVERS: GraphQLDriverName[] = ['apollo', 'mercurius'];

interface AppData {
  role?: string;
  [key: string]: unknown;
}

@ObjectType()
class Viewer {
  @Field(() => String, { nullable: true })
  user!: string | null;

  /** The session data as JSON text, so the schema needs no JSON scalar. */
  @Field()
  data!: string;
}

/** Guarded as a whole: every field needs a session. */
@Resolver()
@UseGuards(SessionGuard)
class AccountResolver {
  @Query(() => Viewer)
  me(@CurrentSession() session: Session<AppData>): Viewer {
    return { user: session.userId ?? null, data: JSON.stringify(session.toJSON()) };
  }

  @Query(() => String, { nullable: true })
  role(@CurrentSession('role') role: string | undefined): string | null {
    return role ?? null;
  }

  @Mutation(() => Boolean)
  remember(@Args('key') key: string, @Args('value') value: string, @CurrentSession() session: Session<AppData>): boolean {
    session.set(key, value);
    return true;
  }

  @Mutation(() => Boolean)
  async logout(@CurrentSession() session: Session<AppData>): Promise<boolean> {
    await session.destroy();
    return true;
  }
}

/** Guarded method by method, next to an open field. */
@Resolver()
class AuthResolver {
  @Mutation(() => String)
  @UseGuards(SessionGuard)
  @AllowAnonymous()
  async login(@Args('user') user: string, @CurrentSession() session: Session<AppData>): Promise<string> {
    await session.regenerate({ userId: user });
    session.set('role', 'member');
    return user;
  }

  @Query(() => String, { nullable: true })
  @UseGuards(SessionGuard)
  whoami(@CurrentSession() session: Session<AppData>): string | null {
    return session.userId ?? null;
  }

  @Query(() => Boolean)
  ping(): boolean {
    return true;
  }

  @Query(() => Boolean)
  @AllowAnonymous()
  health(): boolean {
    return true;
  }
}

/** A subscription that greets the session's user (Apollo with graphql-ws only). */
@Resolver()
class GreetingResolver {
  @Subscription(() => String)
  @UseGuards(SessionGuard)
  async *greetings(@CurrentSession() session: Session<AppData>): AsyncGenerator<{ greetings: string }> {
    yield { greetings: `hello ${session.userId ?? 'nobody'}` };
  }
}

export interface GraphQLAppOptions {
  /** `SessionGuard` as `APP_GUARD` too, on top of the resolvers' own `@UseGuards`. */
  appGuard?: boolean;
  /** Serve subscriptions over graphql-ws (Apollo only); the app then listens on a port. */
  subscriptions?: boolean;
  session?: Partial<SessionModuleOptions>;
}

export interface GraphQLApp {
  app: INestApplication;
  /** The server to hand to supertest. */
  server: unknown;
  /** Moves the module's clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/**
 * A real Nest app serving the resolvers above on `/graphql`, code first, with the driver's plain
 * configuration: nothing session-specific goes into `GraphQLModule.forRoot`.
 */
export async function createGraphQLApp(driver: GraphQLDriverName, options: GraphQLAppOptions = {}): Promise<GraphQLApp> {
  const clock = testClock();
  const graphql =
    driver === 'apollo'
      ? GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: true,
          graphiql: false,
          ...(options.subscriptions ? { subscriptions: { 'graphql-ws': true } } : {}),
        })
      : GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true, graphiql: false });

  @Module({
    imports: [
      SessionModule.forRoot({ secrets: [SECRET], cookie: { secure: false }, clock: clock.now, ...options.session }),
      graphql,
    ],
    providers: [
      AccountResolver,
      AuthResolver,
      ...(options.subscriptions ? [GreetingResolver] : []),
      ...(options.appGuard ? [{ provide: APP_GUARD, useClass: SessionGuard }] : []),
    ],
  })
  class GraphQLTestModule {}

  const app = await startNestApp(GraphQLTestModule, driver === 'apollo' ? 'express' : 'fastify', { listen: options.subscriptions });
  return { app, server: app.getHttpServer(), advance: clock.advance, close: () => app.close() };
}

export interface GraphQLError {
  message: string;
  path?: string[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphQLResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  data: Record<string, unknown> | null | undefined;
  errors: GraphQLError[] | undefined;
}

/** The request headers that carry a session, a `Cookie` pair (`sid=...`) or the token header, and any others. */
export type Credentials = { cookie?: string; token?: string; tokenHeader?: string; headers?: Record<string, string> };

/** POSTs one GraphQL operation as JSON, the way a browser client does. */
export async function graphql(
  app: { server: unknown },
  query: string,
  credentials: Credentials = {},
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse> {
  let req = request(app.server as never).post('/graphql').set('Content-Type', 'application/json');
  if (credentials.cookie !== undefined) req = req.set('Cookie', credentials.cookie);
  if (credentials.token !== undefined) req = req.set(credentials.tokenHeader ?? 'x-session-token', credentials.token);
  if (credentials.headers) req = req.set(credentials.headers);
  const res = await req.send(JSON.stringify({ query, ...(variables ? { variables } : {}) }));
  const body = (res.body ?? {}) as { data?: Record<string, unknown> | null; errors?: GraphQLError[] };
  return { status: res.status, headers: res.headers, data: body.data, errors: body.errors };
}

/** The codes of the response's errors, in order. */
export const errorCodes = (res: GraphQLResponse): Array<string | undefined> => (res.errors ?? []).map((e) => e.extensions?.code);
