import { register } from 'node:module';

// `node --import ./test/support/swc-register.ts entry.ts` runs TypeScript entries through SWC.
register('./swc-hooks.ts', import.meta.url);
