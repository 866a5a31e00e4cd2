import Bowser from 'bowser';
import type { SessionInfo } from '../src/index.js';

/** One row of the "your devices" list: a session plus what the page shows of the browser behind it. */
export interface Device extends SessionInfo {
  /** For example "Chrome 156 on Linux"; "Unknown browser" when no user agent was captured. */
  browser: string;
  /** A phone or tablet, for the row's icon. */
  mobile: boolean;
}

/** A readable browser name, major version and OS from a user agent header. */
export function describeBrowser(userAgent: string | undefined): { browser: string; mobile: boolean } {
  if (!userAgent) return { browser: 'Unknown browser', mobile: false };
  const { browser, os, platform } = Bowser.parse(userAgent);
  // Tools bowser does not know, such as curl, still name themselves in the first word.
  const name = browser.name
    ? [browser.name, browser.version?.split('.')[0]].filter(Boolean).join(' ')
    : (userAgent.split(' ')[0] as string).slice(0, 40);
  return {
    browser: os.name ? `${name} on ${os.name}` : name,
    mobile: platform.type === 'mobile' || platform.type === 'tablet',
  };
}

/** This device first, then the others by most recent activity, as account pages usually list them. */
export function toDevices(sessions: SessionInfo[]): Device[] {
  return sessions
    .map((session) => ({ ...session, ...describeBrowser(session.userAgent) }))
    .sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
}
