import { useRedisStore } from '../support/store-target.js';
import { describeSessionSockets } from './socket.suite.js';

describeSessionSockets('redis', useRedisStore());
