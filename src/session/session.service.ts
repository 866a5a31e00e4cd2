import { Injectable } from '@nestjs/common';
import type { SessionInfo } from './session-info.interface.js';
import { SessionManager } from './session.manager.js';

/** Session operations for code outside a request: admin tools, account changes, jobs. */
@Injectable()
export class SessionService {
  constructor(private readonly sessions: SessionManager) {}

  /** The user's live sessions, with the client that started each (`captureClient`) and whether it is `active`. */
  list(userId: string): Promise<SessionInfo[]> {
    return this.sessions.listForUser(userId);
  }

  /** How many live sessions the user has: the same store calls as `list`, which must read each one. */
  count(userId: string): Promise<number> {
    return this.sessions.countForUser(userId);
  }

  /**
   * Ends one session by its handle (from `list`): deleted in the store, so every instance refuses
   * it, and this instance's sockets of it closed. A handle of no live session ends nothing; a
   * string that is no handle costs no store call.
   */
  revoke(handle: string): Promise<void> {
    return this.sessions.revokeHandle(handle);
  }

  /**
   * Ends every session of the user, but the one whose handle is `except`, and closes this
   * instance's sockets of them; returns how many ended.
   */
  revokeAll(userId: string, options: { except?: string } = {}): Promise<number> {
    return this.sessions.revokeAll(userId, options.except);
  }
}
