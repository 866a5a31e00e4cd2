import { type Client, createClient } from 'graphql-ws';
import type { FormattedExecutionResult } from 'graphql';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MemoryStore } from '../../src/index.js';
import { type CountingStore, countingStore, writesOf } from '../support/counting-store.js';
import { type GraphQLApp, createGraphQLApp, graphql } from '../support/graphql-app.js';
import { within } from '../support/socket-app.js';
import { cookiePair } from '../support/test-app.js';

/** A ws client that sends the given request headers with its upgrade, as a browser sends its cookies. */
const withHeaders = (headers: Record<string, string>) =>
  class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };

/** Runs one subscription to its end and gives back every result it got, or the error that ended it. */
function collect(client: Client, query: string): Promise<{ results: FormattedExecutionResult<Record<string, unknown>, unknown>[]; error?: unknown }> {
  const results: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
  return within(
    new Promise((resolve) => {
      client.subscribe(
        { query },
        {
          next: (result) => void results.push(result),
          error: (error) => resolve({ results, error }),
          complete: () => resolve({ results }),
        },
      );
    }),
    `subscription ${query}`,
  );
}

describe('GraphQL subscriptions over graphql-ws on Apollo', () => {
  const store = new MemoryStore();
  let counting: CountingStore;
  let app: GraphQLApp;
  let url: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    counting = countingStore(store);
    app = await createGraphQLApp('apollo', { subscriptions: true, session: { store: counting.store } });
    url = `ws://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}/graphql`;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  const clientWith = (headers: Record<string, string>) => {
    const client = createClient({ url, webSocketImpl: withHeaders(headers), retryAttempts: 0, lazy: true });
    clients.push(client);
    return client;
  };

  it("gives a guarded subscription the session of the upgrade request's cookie", async () => {
    const login = await graphql(app, 'mutation { login(user: "alice") }');
    const cookie = cookiePair(login.headers['set-cookie']) as string;
    expect(cookie).toBeDefined();
    counting.reset();
    const { results, error } = await collect(clientWith({ cookie }), 'subscription { greetings }');
    expect(error).toBeUndefined();
    expect(results).toEqual([{ data: { greetings: 'hello alice' } }]);
    expect(counting.calls.get).toBeGreaterThan(0);
    expect(writesOf(counting.calls)).toBe(0);
  });

  it('refuses a guarded subscription without a session with UNAUTHENTICATED and no store access', async () => {
    counting.reset();
    for (const headers of [{}, { cookie: 'sid=forged.forged' }] as Array<Record<string, string>>) {
      const { results, error } = await collect(clientWith(headers), 'subscription { greetings }');
      expect(error).toBeUndefined();
      expect(results).toHaveLength(1);
      expect(results[0]?.data ?? null).toBeNull();
      expect(results[0]?.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
    expect(counting.calls.get).toBe(0);
  });
});
