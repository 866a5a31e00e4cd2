import type { DemoUser } from './users.js';

/** What the sample keeps in a session. */
export interface AppSession {
  name?: string;
  role?: DemoUser['role'];
  [key: string]: unknown;
}
