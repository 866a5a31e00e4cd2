/** One of a user's sessions, as listed for "your devices" pages and admin tools. */
export interface SessionInfo {
  /** Identifies the session for `revoke`. The hashed ID: it cannot be turned into a cookie. */
  handle: string;
  userId: string | null;
  createdAt: Date;
  /** The last idle refresh, accurate to `touchInterval`. */
  lastSeenAt: Date;
  expiresAt: Date;
  /** True for the session of the request that asked. */
  current: boolean;
}
