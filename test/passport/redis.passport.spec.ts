import { useRedisStore } from '../support/store-target.js';
import { describePassport } from './passport.suite.js';

describePassport('redis', useRedisStore());
