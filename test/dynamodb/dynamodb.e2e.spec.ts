import { describeSessionE2E } from '../e2e/session-e2e.suite.js';
import { useDynamoDbStore } from '../support/store-target.js';

describeSessionE2E('dynamodb', useDynamoDbStore());
