import express from 'express';
import request from 'supertest';
import session from 'express-session';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';

/** The secret the old app signed with before its last rotation, and the one it signs with now. */
export const OLD_APP_SECRETS = ['old-app-current-secret', 'old-app-previous-secret'];
export const OLD_PASSWORD = 'old-password';
const HOUR = 3_600_000;

/**
 * The app before it moved to this module: Express, express-session with the given store, and
 * passport-local, as most Express apps with server-side sessions are built. Signs in any user
 * with OLD_PASSWORD; `/cart` fills a session without signing in.
 */
export function expressSessionApp(store: session.Store, secret: string | string[] = OLD_APP_SECRETS[0] as string) {
  const passport = new Passport();
  passport.use(
    new LocalStrategy((username, password, done) =>
      password === OLD_PASSWORD ? done(null, { id: username }) : done(null, false),
    ),
  );
  passport.serializeUser((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser((id: string, done) => done(null, { id }));

  const app = express();
  app.use(express.json());
  app.use(session({ secret, store, resave: false, saveUninitialized: false, cookie: { maxAge: 2 * HOUR } }));
  app.use(passport.session());
  app.post('/login', passport.authenticate('local'), (req, res) => {
    const { maxAge } = req.body as { maxAge?: number | null };
    // A session that ends sooner than the others, to see one expire.
    // null: a browser-session cookie, and the store's own default lifetime.
    if (maxAge !== undefined) req.session.cookie.maxAge = maxAge as number;
    Object.assign(req.session, { theme: 'dark' });
    res.json({ user: (req.user as { id: string }).id });
  });
  app.post('/cart', (req, res) => {
    Object.assign(req.session, { cart: ['book'] });
    res.json({ ok: true });
  });
  // Any data, as an app's own routes put it there.
  app.post('/put', (req, res) => {
    Object.assign(req.session, req.body);
    res.json({ ok: true });
  });
  // Leaves a stored session with nothing in it but express-session's cookie.
  app.post('/empty', (req, res) => {
    for (const key of Object.keys(req.session)) if (key !== 'cookie') delete (req.session as unknown as Record<string, unknown>)[key];
    res.json({ ok: true });
  });
  // What the browser sends, to see which cookies its jar holds.
  app.get('/cookies', (req, res) => {
    const names = (req.headers.cookie ?? '').split(';').map((pair) => pair.split('=')[0]?.trim()).filter(Boolean);
    res.json({ names });
  });
  app.get('/me', (req, res) => {
    res.status(req.user ? 200 : 401).json({ user: (req.user as { id: string } | undefined)?.id ?? null });
  });
  return app;
}

export type Browser = ReturnType<typeof request.agent>;

/** Signs in on the old app; the agent is the browser, with its cookie jar. */
export async function signInOnOldApp(
  oldApp: ReturnType<typeof expressSessionApp>,
  user: string,
  extra: object = {},
): Promise<{ browser: Browser; id: string }> {
  const browser = request.agent(oldApp);
  const login = await browser.post('/login').send({ username: user, password: OLD_PASSWORD, ...extra }).expect(200);
  const setCookie = (login.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('connect.sid=')) as string;
  // `connect.sid=s%3A<id>.<signature>; Path=/; ...`
  const value = decodeURIComponent(setCookie.slice('connect.sid='.length, setCookie.indexOf(';')));
  return { browser, id: value.slice(2, value.lastIndexOf('.')) };
}

/** The same browser, now talking to another server: the same cookie jar. */
export function sameBrowserOn(server: unknown, browser: Browser): Browser {
  const next = request.agent(server as never);
  (next as unknown as { jar: unknown }).jar = (browser as unknown as { jar: unknown }).jar;
  return next;
}
