/** One of a user's sessions, as listed for "your devices" pages and admin tools. */
export interface SessionInfo {
  /** Identifies the session for `revoke`. The hashed ID: it cannot be turned into a cookie. */
  handle: string;
  userId: string | null;
  createdAt: Date;
  /** The last idle refresh, accurate to `touchInterval`. */
  lastSeenAt: Date;
  expiresAt: Date;
  /** The browser or app that started the session, when `captureClient` is on. */
  userAgent?: string;
  /** The IP address that started the session, when `captureClient` is on. */
  ip?: string;
  /** True for the session of the request that asked. */
  current: boolean;
  /**
   * In use on its device: refreshed less than `touchInterval` + 5 minutes ago. True for every
   * session used in the last 5 minutes; false for every one idle for longer than that window.
   */
  active: boolean;
}
