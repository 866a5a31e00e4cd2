import { useRedisStore } from '../support/store-target.js';
import { describeSessionGraphQL } from './graphql.suite.js';

describeSessionGraphQL('redis', useRedisStore());
