import type { INestApplication } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSampleApp } from '../../sample/create-app.js';
import { startRedis } from '../support/redis-server.js';

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
const ARTIFACTS = new URL('../artifacts/', import.meta.url);
// The second device is a phone, so the two rows differ the way they do for real users.
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1';

interface StoreCase {
  name: string;
  start(): Promise<{ env: Record<string, string>; stop(): Promise<void> }>;
}

const stores: StoreCase[] = [
  { name: 'memory', start: async () => ({ env: { SESSION_STORE: 'memory' }, stop: async () => {} }) },
  {
    name: 'redis',
    start: async () => {
      const redis = await startRedis();
      return { env: { SESSION_STORE: 'redis', SESSION_REDIS_URL: redis.url }, stop: () => redis.dispose() };
    },
  },
];

describe.each(stores)('the devices page on the $name store', ({ name, start }) => {
  let stopStore: (() => Promise<void>) | undefined;
  let app: INestApplication | undefined;
  let browser: Browser | undefined;
  let base: string;
  let chromeName: string;

  beforeAll(async () => {
    const store = await start();
    stopStore = store.stop;
    const env = {
      SESSION_SECRETS: 'browser-test-secret-0123456789-abcdefgh',
      SESSION_COOKIE_SECURE: 'false',
      SESSION_CAPTURE_CLIENT: 'true',
      ...store.env,
    };
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    app = await createSampleApp('express', { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    chromeName = `Chrome ${browser.version().split('.')[0]} on Linux`;
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await stopStore?.();
    vi.unstubAllEnvs();
  });

  const device = (userAgent?: string): Promise<BrowserContext> =>
    (browser as Browser).newContext(
      userAgent ? { userAgent, viewport: { width: 390, height: 844 } } : { viewport: { width: 960, height: 480 } },
    );

  async function signIn(context: BrowserContext, user = 'alice'): Promise<Page> {
    const page = await context.newPage();
    await page.goto(base);
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill(`${user}-password`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: `Signed in as ${user}` }).waitFor();
    return page;
  }

  const rows = (page: Page) => page.locator('#devices').getByRole('listitem');
  const badge = (page: Page) => page.getByText('This device', { exact: true });
  const currentRow = (page: Page) => rows(page).filter({ has: badge(page) });
  const signInForm = (page: Page) => page.getByRole('heading', { name: 'Sign in', exact: true });

  it('lists both devices, marks the current one, and signs out everywhere else', async () => {
    const laptop = await device();
    const phone = await device(IPHONE);
    const laptopPage = await signIn(laptop);
    const phonePage = await signIn(phone);
    await laptopPage.reload();
    await laptopPage.getByRole('heading', { name: 'Signed in as alice' }).waitFor();

    for (const [page, self, other] of [
      [laptopPage, chromeName, 'Safari 18 on iOS'],
      [phonePage, 'Safari 18 on iOS', chromeName],
    ] as const) {
      expect(await rows(page).count()).toBe(2);
      expect(await currentRow(page).count()).toBe(1);
      expect(await currentRow(page).locator('.browser').textContent()).toBe(self);
      const others = rows(page).filter({ hasNot: badge(page) });
      expect(await others.locator('.browser').textContent()).toBe(other);
      expect(await others.getByRole('button', { name: 'Sign out this device' }).count()).toBe(1);
      expect(await currentRow(page).getByRole('button').count()).toBe(0);
    }

    const cookies = await laptop.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: 'sid', httpOnly: true, sameSite: 'Lax', secure: false })]);
    // Evaluated in the page; a string, as the tests compile without the DOM types.
    expect(await laptopPage.evaluate('document.cookie')).toBe('');

    await mkdir(ARTIFACTS, { recursive: true });
    await laptopPage.screenshot({ path: new URL(`devices-${name}.png`, ARTIFACTS).pathname, fullPage: true });

    await laptopPage.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await laptopPage.getByRole('status').getByText('Signed out 1 other device.').waitFor();
    expect(await rows(laptopPage).count()).toBe(1);
    expect(await laptopPage.getByRole('button', { name: 'Sign out everywhere else' }).isDisabled()).toBe(true);

    await phonePage.reload();
    await signInForm(phonePage).waitFor();
    // The server told the phone to drop its dead cookie.
    expect(await phone.cookies()).toEqual([]);
    await laptop.close();
    await phone.close();
  });

  it('signs out one other device, refuses a wrong password, and signs out', async () => {
    const laptop = await device();
    const phone = await device(IPHONE);
    const laptopPage = await signIn(laptop, 'bob');
    const phonePage = await signIn(phone, 'bob');
    await laptopPage.reload();

    await rows(laptopPage).filter({ hasText: 'Safari 18 on iOS' }).getByRole('button', { name: 'Sign out this device' }).click();
    await laptopPage.getByRole('status').getByText('Signed out that device.').waitFor();
    expect(await rows(laptopPage).count()).toBe(1);
    // The phone's page is still open: its next action finds the session gone, and can end no other.
    await rows(phonePage).filter({ hasText: chromeName }).getByRole('button', { name: 'Sign out this device' }).click();
    await signInForm(phonePage).waitFor();
    expect(await phonePage.getByText('Your session has ended. Sign in again.').isVisible()).toBe(true);
    await laptopPage.reload();
    await laptopPage.getByRole('heading', { name: 'Signed in as bob' }).waitFor();

    await phonePage.getByLabel('Username').fill('bob');
    await phonePage.getByLabel('Password').fill('not-the-password');
    await phonePage.getByRole('button', { name: 'Sign in', exact: true }).click();
    await phonePage.getByRole('alert').getByText('Unknown user or wrong password.').waitFor();

    await laptopPage.getByRole('button', { name: 'Sign out', exact: true }).click();
    await signInForm(laptopPage).waitFor();
    expect(await laptop.cookies()).toEqual([]);
    await laptopPage.reload();
    await signInForm(laptopPage).waitFor();
    await laptop.close();
    await phone.close();
  });

  it("does not sign in from another site's form (login CSRF)", async () => {
    const context = await device();
    // A page on another site that posts the attacker's credentials to the sample as soon as it loads.
    await context.route('http://attacker.test/', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<form method="post" action="${base}/auth/login">
          <input name="username" value="bob"><input name="password" value="bob-password">
        </form><script>document.forms[0].submit()</script>`,
      }),
    );
    const page = await context.newPage();
    const posted = page.waitForResponse(`${base}/auth/login`);
    await page.goto('http://attacker.test/');
    expect((await posted).status()).toBe(415);
    expect(await context.cookies()).toEqual([]);
    await page.goto(base);
    await signInForm(page).waitFor();
    await context.close();
  });
});
