import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Locator, type Page, chromium } from 'playwright-core';
import { vi } from 'vitest';
import { createSampleApp } from '../../sample/create-app.js';

// Debian's chromium package; never a downloaded browser.
const CHROMIUM = '/usr/bin/chromium';
// Background networking is switched off because outbound connections are refused in CI.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// The second device is a phone, so the two rows differ the way they do for real users.
export const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1';
export const PHONE_NAME = 'Safari 18 on iOS';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** "Chrome 147 on Linux": how the sample names the desktop browser these tests drive. */
export const desktopName = (browser: Browser) => `Chrome ${browser.version().split('.')[0]} on Linux`;

/**
 * The sample as `npm run sample` builds it (Express), listening on a free port of 127.0.0.1,
 * configured by `SESSION_*` variables set only while it boots.
 */
export async function startSample(env: Record<string, string>): Promise<{ app: INestApplication; base: string }> {
  const variables = {
    SESSION_SECRETS: 'browser-test-secret-0123456789-abcdefgh',
    SESSION_COOKIE_SECURE: 'false',
    SESSION_CAPTURE_CLIENT: 'true',
    ...env,
  };
  for (const [key, value] of Object.entries(variables)) vi.stubEnv(key, value);
  try {
    const app = await createSampleApp('express', { logger: false });
    await app.listen(0, '127.0.0.1');
    return { app, base: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
  } finally {
    vi.unstubAllEnvs();
  }
}

/** A fresh browser profile: a desktop window, or a phone with the iPhone's user agent. */
export function newDevice(browser: Browser, userAgent?: string): Promise<BrowserContext> {
  return browser.newContext(
    userAgent ? { userAgent, viewport: { width: 390, height: 844 } } : { viewport: { width: 960, height: 480 } },
  );
}

/** Signs in through the page's form and waits for the account view and its live connection. */
export async function signIn(context: BrowserContext, base: string, user = 'alice'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(base);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(`${user}-password`);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await signedInAs(page, user).waitFor();
  await liveBadge(page).waitFor();
  return page;
}

export const signedInAs = (page: Page, user: string): Locator => page.getByRole('heading', { name: `Signed in as ${user}` });
export const signInForm = (page: Page): Locator => page.getByRole('heading', { name: 'Sign in', exact: true });
export const sessionEndedNotice = (page: Page): Locator => page.getByText('Your session has ended. Sign in again.');
/** Shown once the page's socket is in its user's room, so that it hears every change after. */
export const liveBadge = (page: Page): Locator => page.getByText('Live', { exact: true });
export const rows = (page: Page): Locator => page.locator('#devices').getByRole('listitem');
export const badge = (page: Page): Locator => page.getByText('This device', { exact: true });
export const currentRow = (page: Page): Locator => rows(page).filter({ has: badge(page) });
export const rowOf = (page: Page, browserName: string): Locator => rows(page).filter({ hasText: browserName });

/** Waits until the list shows exactly `count` devices. */
export async function waitForRows(page: Page, count: number): Promise<void> {
  await rows(page).nth(count - 1).waitFor();
  await rows(page).nth(count).waitFor({ state: 'detached' });
}
