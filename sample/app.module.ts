import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { type SessionModuleOptions, SessionModule, sessionConfig } from '../src/index.js';
import { AuthController } from './auth.controller.js';
import { MeController } from './me.controller.js';
import { PageController } from './page.controller.js';
import { SessionsController } from './sessions.controller.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    SessionModule.forRootAsync({
      imports: [ConfigModule.forFeature(sessionConfig)],
      inject: [sessionConfig.KEY],
      useFactory: (options: SessionModuleOptions) => options,
    }),
  ],
  controllers: [PageController, AuthController, MeController, SessionsController],
})
export class AppModule {}
