import { openMemoryStore } from '../support/store-target.js';
import { describeSessionSockets } from './socket.suite.js';

describeSessionSockets('memory', openMemoryStore);
