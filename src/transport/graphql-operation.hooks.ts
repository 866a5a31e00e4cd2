import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { contextError } from './transport-errors.js';
import { GRAPHQL_OPERATION_KEY, SESSION_REQUEST_KEY } from '../session.constants.js';
import { type SessionHolder, graphqlHost } from './execution-context.js';
import { SessionManager } from '../session/session.manager.js';

/** An error as a GraphQL response lists it. */
interface ResponseError {
  message: string;
  extensions?: { code?: string; http?: { status?: number } };
}

/** The parts of Apollo Server's request context this hook uses; the module never imports Apollo. */
interface ApolloRequestContext {
  contextValue: SessionHolder;
  response: {
    body: { kind: string; singleResult?: { data?: unknown; errors?: ResponseError[] } };
    http: { status?: number };
  };
}

/** The parts of Mercurius' instance and execution result this hook uses. */
interface MercuriusGraphQL {
  addHook(name: 'preExecution', hook: (schema: unknown, document: unknown, context: SessionHolder) => Promise<void>): void;
  addHook(
    name: 'onResolution',
    hook: (execution: { data?: unknown; errors?: ResponseError[] }, context: SessionHolder & { reply?: { code(status: number): unknown } }) => Promise<void>,
  ): void;
}

// Apollo's Nest driver adds every provider that carries this metadata to the server's plugins:
// set by key so that the module does not import @nestjs/apollo.
const APOLLO_PLUGIN_METADATA = 'graphql:plugin';

/**
 * Writes a GraphQL operation's session once, after all its resolvers ran and before the response
 * is sent, so that two mutations of one operation cost one store write. Apollo finds it as a
 * plugin by itself; on Mercurius it registers its hooks at bootstrap. Without either (another
 * driver, or `include` leaving this module out) each resolver writes its own changes.
 */
@Injectable()
export class GraphQLOperationHooks implements OnApplicationBootstrap {
  constructor(
    private readonly sessions: SessionManager,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance?.() as { graphql?: Partial<MercuriusGraphQL> } | undefined;
    const mercurius = instance?.graphql;
    if (typeof mercurius?.addHook !== 'function') return;
    mercurius.addHook('preExecution', async (_schema, _document, context) => {
      context[GRAPHQL_OPERATION_KEY] = true;
    });
    mercurius.addHook('onResolution', async (execution, context) => {
      const error = await this.commit(context);
      if (!error) return;
      execution.data = null;
      execution.errors = [error];
      context.reply?.code(error.extensions?.http?.status ?? 500);
    });
  }

  /** Apollo Server's plugin hook, one call per operation. */
  async requestDidStart({ contextValue }: ApolloRequestContext): Promise<{ willSendResponse(rc: ApolloRequestContext): Promise<void> }> {
    contextValue[GRAPHQL_OPERATION_KEY] = true;
    return {
      willSendResponse: async ({ response }) => {
        const error = await this.commit(contextValue);
        if (!error) return;
        // The operation's changes were not stored: its result must not look like a success.
        response.body = { kind: 'single', singleResult: { errors: [error] } };
        response.http.status = error.extensions?.http?.status ?? 500;
      },
    };
  }

  private async commit(context: SessionHolder): Promise<ResponseError | undefined> {
    const session = context[SESSION_REQUEST_KEY];
    const host = graphqlHost(context);
    if (!session || !host) return undefined;
    try {
      await this.sessions.commit(session, host.request, host.response);
      return undefined;
    } catch (error) {
      this.sessions.carrier.retryLaterOn(host.response, error);
      const translated = (await contextError('graphql', error)) as Error & Partial<Pick<ResponseError, 'extensions'>>;
      return { message: translated.message, ...(translated.extensions ? { extensions: translated.extensions } : {}) };
    }
  }
}
Reflect.defineMetadata(APOLLO_PLUGIN_METADATA, true, GraphQLOperationHooks);
