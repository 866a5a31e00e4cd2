import { openMemoryStore } from '../support/store-target.js';
import { describeSessionGraphQL } from './graphql.suite.js';

describeSessionGraphQL('memory', openMemoryStore);
