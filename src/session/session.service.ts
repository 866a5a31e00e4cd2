import { Injectable } from '@nestjs/common';
import type { SessionInfo } from './session-info.interface.js';
import { SessionManager } from './session.manager.js';

/** Session operations for code outside a request: admin tools, account changes, jobs. */
@Injectable()
export class SessionService {
  constructor(private readonly sessions: SessionManager) {}

  /** The user's live sessions. */
  list(userId: string): Promise<SessionInfo[]> {
    return this.sessions.listForUser(userId);
  }

  /** Ends one session by its handle (from `list`). */
  revoke(handle: string): Promise<void> {
    return this.sessions.revokeHandle(handle);
  }

  /** Ends every session of the user, but the one whose handle is `except`; returns how many ended. */
  revokeAll(userId: string, options: { except?: string } = {}): Promise<number> {
    return this.sessions.revokeAll(userId, options.except);
  }
}
