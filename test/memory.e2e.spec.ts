import { MemoryStore } from '../src/index.js';
import { describeSessionE2E } from './e2e/session-e2e.suite.js';

describeSessionE2E('memory', async () => {
  const store = new MemoryStore();
  return { store, close: () => store.close() };
});
