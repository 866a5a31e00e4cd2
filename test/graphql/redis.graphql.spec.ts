import { redisStoreOfThisFile } from '../support/store-target.js';
import { describeSessionGraphQL } from './graphql.suite.js';

describeSessionGraphQL('redis', redisStoreOfThisFile());
