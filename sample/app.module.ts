import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { GraphQLModule } from '@nestjs/graphql';
import { TerminusModule } from '@nestjs/terminus';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { SessionModule, sessionConfig } from '../src/index.js';
import { AccountResolver } from './account.resolver.js';
import { AuthController } from './auth.controller.js';
import { DevicesGateway } from './devices.gateway.js';
import { HealthController } from './health.controller.js';
import { MeController } from './me.controller.js';
import { PageController } from './page.controller.js';
import { SessionsController } from './sessions.controller.js';

export type SampleAdapter = 'express' | 'fastify';

/**
 * GraphQL on `/graphql`, code first. Apollo serves it on Express; on Fastify Apollo would need
 * `@as-integrations/fastify`, so there the sample uses Mercurius, the driver Nest ships for
 * Fastify. Nothing session-specific goes here: the session module hooks itself into both.
 */
function graphqlFor(adapter: SampleAdapter): DynamicModule {
  return adapter === 'fastify'
    ? GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true, graphiql: false })
    : GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true, graphiql: false });
}

@Module({})
export class AppModule {
  static forAdapter(adapter: SampleAdapter): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true }),
        SessionModule.forRootAsync({ ...sessionConfig.asProvider(), isGlobal: true }),
        graphqlFor(adapter),
        TerminusModule,
      ],
      controllers: [PageController, AuthController, MeController, SessionsController, HealthController],
      providers: [AccountResolver, DevicesGateway],
    };
  }
}
