import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import connectDynamoDb from 'connect-dynamodb';
import session from 'express-session';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureTable } from '../../src/index.js';
import { expressSessionApp, sameBrowserOn, signInOnOldApp } from '../support/express-session-app.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';
import { ADAPTERS, type AdapterName, type TestApp, cookiePair, createTestApp } from '../support/test-app.js';

const HOUR = 3_600_000;
const OLD_TABLE = 'sessions';
const OUR_TABLE = 'web-sessions';

const local = useDynamoDbLocal();
let oldClient: DynamoDBClient;
let newClient: DynamoDBClient;
let oldApp: ReturnType<typeof expressSessionApp>;
/** Every command the new app sends, as `<command> <table>`. */
const commands: string[] = [];

beforeAll(async () => {
  // The old app as it ran: connect-dynamodb 3 with its defaults, creating its table itself.
  oldClient = local.client();
  const DynamoDbStore = connectDynamoDb(session);
  oldApp = expressSessionApp(new DynamoDbStore({ client: oldClient }));
  // The new app's client serves both its own table and the reader of the old one.
  newClient = local.client();
  newClient.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(`${String(context.commandName).replace(/Command$/, '')} ${(args.input as { TableName?: string }).TableName}`);
      return next(args);
    },
    { step: 'initialize', name: 'countSessionCommands' },
  );
  await ensureTable(newClient, { table: OUR_TABLE });
});
afterAll(() => {
  oldClient?.destroy();
  newClient?.destroy();
});

describe.each(ADAPTERS)('moving express-session + connect-dynamodb sessions on %s', (adapter: AdapterName) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await createTestApp(adapter, {
      store: { type: 'dynamodb', client: newClient, table: OUR_TABLE },
      migrateFrom: { expressSession: { secret: 'old-app-current-secret', store: { type: 'connect-dynamodb', client: newClient } } },
    });
  });
  afterAll(async () => {
    await app?.close();
  });
  beforeEach(() => {
    commands.length = 0;
  });

  const oldItem = async (id: string) =>
    (await oldClient.send(new GetItemCommand({ TableName: OLD_TABLE, Key: { id: { S: `sess:${id}` } }, ConsistentRead: true }))).Item;

  it('keeps the login of a browser signed in on the old app: one GetItem, one PutItem, one DeleteItem', async () => {
    // Both adapters' apps share the tables: a user of each.
    const alice = `alice-${adapter}`;
    const { browser, id } = await signInOnOldApp(oldApp, alice);
    expect(await oldItem(id)).toBeDefined();

    const newApp = sameBrowserOn(app.server, browser);
    const first = await newApp.get('/me').expect(200);

    expect(first.body).toEqual({ user: alice, data: { passport: { user: alice }, theme: 'dark' } });
    expect(commands).toEqual([`GetItem ${OLD_TABLE}`, `PutItem ${OUR_TABLE}`, `DeleteItem ${OLD_TABLE}`]);
    expect(await oldItem(id)).toBeUndefined();
    const setCookie = first.headers['set-cookie'] as unknown as string[];
    expect(cookiePair(setCookie)).toMatch(/^sid=.+/);
    expect(setCookie.some((c) => c.startsWith('connect.sid=; '))).toBe(true);

    commands.length = 0;
    expect((await newApp.get('/me').expect(200)).body.user).toBe(alice);
    expect(commands).toEqual([`GetItem ${OUR_TABLE}`]);
    expect((await newApp.get('/sessions').expect(200)).body).toEqual([expect.objectContaining({ userId: alice, current: true })]);
    expect((await browser.get('/cookies').expect(200)).body.names).toEqual(['sid']);
  });

  it('makes no call for an old cookie with a bad signature, and refuses it', async () => {
    const { id } = await signInOnOldApp(oldApp, 'mallory');
    const res = await request(app.server as never).get('/me').set('Cookie', `connect.sid=s%3A${id}.${'A'.repeat(43)}`).expect(401);
    expect(commands).toEqual([]);
    expect(res.headers['set-cookie']).toEqual(expect.arrayContaining([expect.stringMatching(/^connect\.sid=; /)]));
    expect(await oldItem(id)).toBeDefined();
  });

  it("refuses an old session past connect-dynamodb's expires after one read", async () => {
    // A browser-session cookie: connect-dynamodb gives the item a day.
    const { browser, id } = await signInOnOldApp(oldApp, 'dave', { maxAge: null });
    app.advance(25 * HOUR);
    try {
      await sameBrowserOn(app.server, browser).get('/me').expect(401);
    } finally {
      app.advance(-25 * HOUR);
    }
    expect(commands).toEqual([`GetItem ${OLD_TABLE}`]);
    expect(await oldItem(id)).toBeDefined();
  });
});
