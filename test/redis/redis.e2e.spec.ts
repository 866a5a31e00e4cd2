import { describeSessionE2E } from '../e2e/session-e2e.suite.js';
import { useRedisStore } from '../support/store-target.js';

describeSessionE2E('redis', useRedisStore());
