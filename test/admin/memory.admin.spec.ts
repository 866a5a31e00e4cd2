import { openMemoryStore } from '../support/store-target.js';
import { describeSessionAdmin } from './session-admin.suite.js';

describeSessionAdmin('memory', openMemoryStore);
