import { type DynamicModule, Module } from '@nestjs/common';
import { SessionModule, type SessionStoreOption } from '../../src/index.js';
import { BENCH_SECRET, DYNAMODB_TABLES, type Variant } from '../variants.js';
import { AnchorController } from './anchor.controller.js';
import { AnchorSessionGuard } from './anchor-session.guard.js';
import { BareController } from './bare.controller.js';
import { OursController } from './ours.controller.js';

export interface StoreEndpoints {
  redis?: string;
  dynamodb?: string;
}

/** The app of one variant: the same two routes, with sessions handled by nobody, us or an anchor. */
@Module({})
export class BenchModule {
  static forVariant(variant: Variant, endpoints: StoreEndpoints): DynamicModule {
    if (variant.implementation === 'bare') return { module: BenchModule, controllers: [BareController] };
    if (variant.implementation !== 'ours') {
      // The anchors' middleware or plugin is registered on the app itself (see main.ts).
      return { module: BenchModule, controllers: [AnchorController], providers: [AnchorSessionGuard] };
    }
    return {
      module: BenchModule,
      imports: [
        SessionModule.forRoot({
          secrets: [BENCH_SECRET],
          cookie: { secure: false },
          store: storeOption(variant, endpoints),
          // @opentelemetry/api is installed here, for the tests: off unless the variant measures it.
          telemetry: variant.telemetry !== undefined,
        }),
      ],
      controllers: [OursController],
    };
  }
}

/** Our store options as the README writes them; every other option keeps its default. */
function storeOption(variant: Variant, endpoints: StoreEndpoints): SessionStoreOption {
  if (variant.store === 'redis' && endpoints.redis) return { type: 'redis', url: endpoints.redis };
  if (variant.store === 'dynamodb' && endpoints.dynamodb) {
    return { type: 'dynamodb', table: DYNAMODB_TABLES.ours, region: 'us-east-1', endpoint: endpoints.dynamodb };
  }
  if (variant.store === 'memory') return 'memory';
  throw new Error(`variant ${variant.name} needs an endpoint for its ${variant.store} store`);
}
