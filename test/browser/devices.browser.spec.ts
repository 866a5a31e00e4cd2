import type { INestApplication } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SessionService } from '../../src/index.js';
import { startRedis } from '../support/redis-server.js';
import {
  IPHONE,
  PHONE_NAME,
  badge,
  currentRow,
  desktopName,
  launchChromium,
  liveBadge,
  newDevice,
  rowOf,
  rows,
  sessionEndedNotice,
  signIn,
  signInForm,
  signedInAs,
  startSample,
  waitForRows,
} from './sample-in-chromium.js';

const ARTIFACTS = new URL('../artifacts/', import.meta.url);

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

interface GraphQLAnswer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

/** Runs a GraphQL operation the way a script of the page would: fetch with the browser's cookie. */
const graphql = (page: Page, query: string): Promise<GraphQLAnswer> =>
  page.evaluate(async (operation) => {
    const response = await fetch('/graphql', {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: operation }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLAnswer['body'] };
  }, query);

describe.each(stores)('the devices page on the $name store', ({ name, start }) => {
  let stopStore: (() => Promise<void>) | undefined;
  let app: INestApplication | undefined;
  let browser: Browser;
  let base: string;
  let chromeName: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const store = await start();
    stopStore = store.stop;
    ({ app, base } = await startSample(store.env));
    browser = await launchChromium();
    chromeName = desktopName(browser);
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    // Each test starts with no session of the demo users left over from the one before.
    const sessions = (app as INestApplication).get(SessionService);
    await Promise.all(['u-alice', 'u-bob'].map((user) => sessions.revokeAll(user)));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await stopStore?.();
  });

  async function device(userAgent?: string): Promise<BrowserContext> {
    const context = await newDevice(browser, userAgent);
    contexts.push(context);
    return context;
  }

  it('lists both devices live, marks the current one, and signs out everywhere else', async () => {
    const laptop = await device();
    const phone = await device(IPHONE);
    const laptopPage = await signIn(laptop, base);
    const phonePage = await signIn(phone, base);
    // The phone's sign-in reaches the laptop's open page without a reload.
    await rowOf(laptopPage, PHONE_NAME).waitFor();

    for (const [page, self, other] of [
      [laptopPage, chromeName, PHONE_NAME],
      [phonePage, PHONE_NAME, chromeName],
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

    // The phone's page says so by itself: the server closed its socket, and would not take it back.
    await sessionEndedNotice(phonePage).waitFor();
    expect(await signInForm(phonePage).isVisible()).toBe(true);
    await phonePage.reload();
    await signInForm(phonePage).waitFor();
  });

  it('signs out one other device, live on every open page, refuses a wrong password, and signs out', async () => {
    const laptop = await device();
    const phone = await device(IPHONE);
    const laptopPage = await signIn(laptop, base, 'bob');
    const phonePage = await signIn(phone, base, 'bob');
    // A second tab of the laptop, on the same session: it never clicks anything.
    const laptopTab = await laptop.newPage();
    await laptopTab.goto(base);
    await liveBadge(laptopTab).waitFor();
    await waitForRows(laptopTab, 2);
    await rowOf(laptopPage, PHONE_NAME).waitFor();

    await rowOf(laptopPage, PHONE_NAME).getByRole('button', { name: 'Sign out this device' }).click();
    await laptopPage.getByRole('status').getByText('Signed out that device.').waitFor();
    expect(await rows(laptopPage).count()).toBe(1);
    // Without a reload: the other tab drops the row, and the phone shows it was signed out.
    await rowOf(laptopTab, PHONE_NAME).waitFor({ state: 'detached' });
    expect(await rows(laptopTab).count()).toBe(1);
    await sessionEndedNotice(phonePage).waitFor();
    expect(await signInForm(phonePage).isVisible()).toBe(true);

    await phonePage.getByLabel('Username').fill('bob');
    await phonePage.getByLabel('Password').fill('not-the-password');
    await phonePage.getByRole('button', { name: 'Sign in', exact: true }).click();
    await phonePage.getByRole('alert').getByText('Unknown user or wrong password.').waitFor();

    await laptopPage.getByRole('button', { name: 'Sign out', exact: true }).click();
    await laptopPage.getByText('You are signed out.').waitFor();
    expect(await laptop.cookies()).toEqual([]);
    // The other tab shared that session: it learns of the sign-out by itself.
    await sessionEndedNotice(laptopTab).waitFor();
    await laptopPage.reload();
    await signInForm(laptopPage).waitFor();
  });

  it('answers GraphQL from the page, and signOutEverywhereElse ends the phone live', async () => {
    const laptop = await device();
    const phone = await device(IPHONE);
    const laptopPage = await signIn(laptop, base);
    const phonePage = await signIn(phone, base);
    await rowOf(laptopPage, PHONE_NAME).waitFor();
    const handles = (await laptopPage.evaluate(async () => (await fetch('/sessions')).json())) as Array<{ handle: string; current: boolean }>;
    const own = handles.find((session) => session.current)?.handle;

    const me = await graphql(laptopPage, '{ me { userId name role sessionHandle } }');
    expect(me).toEqual({ status: 200, body: { data: { me: { userId: 'u-alice', name: 'alice', role: 'admin', sessionHandle: own } } } });

    const signedOut = await graphql(laptopPage, 'mutation { signOutEverywhereElse }');
    expect(signedOut).toEqual({ status: 200, body: { data: { signOutEverywhereElse: 1 } } });
    // Nothing on the laptop's page asked for its list again: the gateway told it.
    await rowOf(laptopPage, PHONE_NAME).waitFor({ state: 'detached' });
    expect(await rows(laptopPage).count()).toBe(1);
    await sessionEndedNotice(phonePage).waitFor();

    const phoneMe = await graphql(phonePage, '{ me { userId } }');
    expect(phoneMe.body.data ?? null).toBeNull();
    expect(phoneMe.body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect((await graphql(laptopPage, '{ me { userId } }')).body).toEqual({ data: { me: { userId: 'u-alice' } } });
  });

  it('keeps the user signed in when a second sid cookie is planted on a longer path', async () => {
    const laptop = await device();
    const phone = await device(IPHONE);
    const page = await signIn(laptop, base);
    await signIn(phone, base);
    const [real] = await laptop.cookies();
    // Junk under the same name, on paths the browser then sends first (longer paths go first),
    // as a sibling subdomain or a script on an older page of the site could plant it.
    await laptop.addCookies(
      ['/sessions', '/socket.io'].map((path) => ({ name: 'sid', value: 'planted-junk', domain: '127.0.0.1', path })),
    );

    const listed = page.waitForResponse(`${base}/sessions`);
    await page.reload();
    const response = await listed;
    expect(await response.request().headerValue('cookie')).toBe(`sid=planted-junk; sid=${real?.value}`);
    expect(response.status()).toBe(200);
    await signedInAs(page, 'alice').waitFor();
    // The socket's handshake carried both cookies too, and was let in.
    await liveBadge(page).waitFor();
    await waitForRows(page, 2);

    // A write with both cookies: signing out the phone from its row.
    await rowOf(page, PHONE_NAME).getByRole('button', { name: 'Sign out this device' }).click();
    await page.getByRole('status').getByText('Signed out that device.').waitFor();
    expect(await rows(page).count()).toBe(1);
    // The real cookie was neither replaced nor cleared.
    expect(await laptop.cookies()).toContainEqual(expect.objectContaining({ name: 'sid', path: '/', value: real?.value }));
    await page.reload();
    await signedInAs(page, 'alice').waitFor();
  });
});
