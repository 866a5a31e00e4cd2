import type { INestApplication } from '@nestjs/common';
import { once } from 'node:events';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IPHONE,
  launchChromium,
  newDevice,
  sessionEndedNotice,
  signIn,
  signInForm,
  signedInAs,
  startSample,
  waitForRows,
} from './sample-in-chromium.js';

// Request forgery against the sample, from pages of a second origin in the victim's own browser.
// The sample runs on http://127.0.0.1:<port>; the attacker's server on another port serves:
// - http://127.0.0.1:<other>: same site (a site ignores the port), other origin. Chromium sends
//   `Sec-Fetch-Site: same-site` and, SameSite=Lax or not, the session cookie: only the module's
//   Origin check stands in the way.
// - http://localhost:<other>: another site. Chromium sends `Sec-Fetch-Site: cross-site` and
//   SameSite=Lax keeps the cookie off a POST, so the module's refusal is a second lock there.
// The check runs before any store access, so one store (memory) is enough here.

/** The attacker's two pages: a form that posts itself, and a fire-and-forget `no-cors` fetch. */
function attackerPage(url: URL): string {
  const target = url.searchParams.get('target') ?? '';
  const fields = url.searchParams.getAll('field').map((field) => {
    const [name, value] = field.split('=');
    return `<input name="${name}" value="${value}">`;
  });
  return url.pathname === '/form'
    ? `<!doctype html><form method="post" action="${target}">${fields.join('')}</form><script>document.forms[0].submit()</script>`
    : `<!doctype html><script>fetch(${JSON.stringify(target)}, { method: 'POST', credentials: 'include', mode: 'no-cors', body: 'x', headers: { 'Content-Type': 'text/plain' } })</script>`;
}

async function startAttacker(): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(attackerPage(new URL(request.url ?? '/', 'http://attacker')));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

/**
 * The headers of the last request the sample received for each path, read off its HTTP server:
 * Chromium's DevTools protocol does not report the headers of a no-cors request whose answer it
 * then blocked as opaque.
 */
function recordHeaders(app: INestApplication): Map<string, IncomingHttpHeaders> {
  const seen = new Map<string, IncomingHttpHeaders>();
  (app.getHttpServer() as Server).prependListener('request', (request) => seen.set(request.url ?? '', request.headers));
  return seen;
}

/** What reached the sample, as the browser sent it, and its answer. */
interface Forged {
  status: number;
  site: string | undefined;
  origin: string | undefined;
  /** Whether the browser sent the session cookie along. */
  cookie: boolean;
  /** The refusal's message, or the body of the answer. */
  body: string;
}

/** Opens an attacker page in the victim's tab and returns what its request to `path` got. */
async function forge(
  { page, base, seen }: { page: Page; base: string; seen: Map<string, IncomingHttpHeaders> },
  attacker: string,
  how: 'form' | 'fetch',
  path: string,
  fields: string[] = [],
): Promise<Forged> {
  const target = `${base}${path}`;
  seen.delete(path);
  const answered = page.waitForResponse(target);
  const query = new URLSearchParams([['target', target], ...fields.map((field): [string, string] => ['field', field])]);
  await page.goto(`${attacker}/${how}?${query}`);
  const response = await answered;
  const headers = seen.get(path) ?? {};
  return {
    status: response.status(),
    site: headers['sec-fetch-site'] as string | undefined,
    origin: headers.origin,
    cookie: /(^|;\s*)sid=/.test(headers.cookie ?? ''),
    // Chromium keeps the body of an opaque no-cors answer from Playwright too.
    body: await response.text().catch(() => ''),
  };
}

describe('request forgery from another origin', () => {
  let app: INestApplication | undefined;
  let attacker: Server | undefined;
  let browser: Browser | undefined;
  let base: string;
  let seen: Map<string, IncomingHttpHeaders>;
  let sameSite: string;
  let crossSite: string;

  beforeAll(async () => {
    ({ app, base } = await startSample({ SESSION_STORE: 'memory' }));
    seen = recordHeaders(app);
    const started = await startAttacker();
    attacker = started.server;
    sameSite = `http://127.0.0.1:${started.port}`;
    crossSite = `http://localhost:${started.port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    attacker?.close();
    await app?.close();
  });

  it('refuses forged form posts and no-cors fetches with 403, and the sessions survive', async () => {
    const victim = await newDevice(browser as Browser);
    const phone = await newDevice(browser as Browser, IPHONE);
    const devicesPage = await signIn(victim, base);
    const phonePage = await signIn(phone, base);
    const attackerTab = { page: await victim.newPage(), base, seen };

    for (const [origin, site, cookie, message] of [
      [sameSite, 'same-site', true, 'Cross-origin request refused'],
      [crossSite, 'cross-site', false, 'Cross-site request refused'],
    ] as const) {
      for (const how of ['form', 'fetch'] as const) {
        for (const path of ['/sessions/revoke-others', '/auth/logout']) {
          const forged = await forge(attackerTab, origin, how, path);
          expect({ how, path, ...forged }).toEqual({
            how,
            path,
            status: 403,
            site,
            origin,
            cookie,
            // The tab shows the refusal of a form; a no-cors answer is opaque, its body withheld.
            body: how === 'form' ? expect.stringContaining(message) : expect.any(String),
          });
        }
      }
    }

    await devicesPage.reload();
    await signedInAs(devicesPage, 'alice').waitFor();
    await waitForRows(devicesPage, 2);
    await phonePage.reload();
    await signedInAs(phonePage, 'alice').waitFor();
    await waitForRows(phonePage, 2);
    await Promise.all([victim.close(), phone.close()]);
  });

  it("does not sign in from another origin's form (login CSRF)", async () => {
    const context = await newDevice(browser as Browser);
    const page = await context.newPage();
    for (const origin of [sameSite, crossSite]) {
      const forged = await forge({ page, base, seen }, origin, 'form', '/auth/login', ['username=bob', 'password=bob-password']);
      // The module's check answers first; the sample's JSON-only guard (415) is the second layer.
      expect(forged.status).toBe(403);
    }
    expect(await context.cookies()).toEqual([]);
    await page.goto(base);
    await signInForm(page).waitFor();
    await context.close();
  });
});

// The control: the same forgeries against the sample with the module's check turned off
// (SESSION_CSRF=false) show what the 403s above prevent, and that SameSite=Lax alone stops only
// the cross-site ones.
describe('request forgery with the check turned off (SESSION_CSRF=false)', () => {
  let app: INestApplication | undefined;
  let attacker: Server | undefined;
  let port: number;
  let browser: Browser | undefined;
  let base: string;
  let seen: Map<string, IncomingHttpHeaders>;
  let contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ({ app, base } = await startSample({ SESSION_STORE: 'memory', SESSION_CSRF: 'false' }));
    seen = recordHeaders(app);
    ({ server: attacker, port } = await startAttacker());
    browser = await launchChromium();
  });

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    contexts = [];
    await browser?.close();
    attacker?.close();
    await app?.close();
  });

  it('lets a same-site page sign the user out everywhere; a cross-site one lacks the cookie', async () => {
    const victim = await newDevice(browser as Browser);
    const phone = await newDevice(browser as Browser, IPHONE);
    contexts.push(victim, phone);
    const devicesPage = await signIn(victim, base);
    const phonePage = await signIn(phone, base);
    const attackerTab = { page: await victim.newPage(), base, seen };

    const crossSite = await forge(attackerTab, `http://localhost:${port}`, 'form', '/sessions/revoke-others');
    expect(crossSite).toMatchObject({ status: 401, site: 'cross-site', cookie: false });
    await devicesPage.reload();
    await signedInAs(devicesPage, 'alice').waitFor();
    await waitForRows(devicesPage, 2);

    const revoked = await forge(attackerTab, `http://127.0.0.1:${port}`, 'form', '/sessions/revoke-others');
    expect(revoked).toMatchObject({ status: 200, site: 'same-site', cookie: true, body: '{"revoked":1}' });
    await sessionEndedNotice(phonePage).waitFor();

    const loggedOut = await forge(attackerTab, `http://127.0.0.1:${port}`, 'fetch', '/auth/logout');
    expect(loggedOut).toMatchObject({ status: 204, site: 'same-site', cookie: true });
    await sessionEndedNotice(devicesPage).waitFor();
  });
});
