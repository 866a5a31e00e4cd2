import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { INestApplication } from '@nestjs/common';
import { type Server, type Socket, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../src/index.js';
import { LOCAL_AWS } from '../../tools/local-stores/dynamodb-local.js';
import { UP, down, getHealth, startHealthApp } from '../support/health-app.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';

const local = useDynamoDbLocal();
const TABLE = 'sessions';

let app: INestApplication | undefined;
const clients: DynamoDBClient[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const client of clients.splice(0)) client.destroy();
});

/** A client of the emulator that records the commands sent through it. */
function recordingClient(sent: { command: string; input: unknown }[] = []): DynamoDBClient {
  const client = local.client();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: context.commandName as string, input: args.input });
      return next(args);
    },
    { step: 'initialize' },
  );
  clients.push(client);
  return client;
}

beforeAll(async () => {
  const client = local.client();
  await ensureTable(client, { table: TABLE });
  client.destroy();
});

describe('health of the DynamoDB store', () => {
  it('is up for one eventually consistent GetItem on the sessions table', async () => {
    const sent: { command: string; input: unknown }[] = [];
    app = await startHealthApp({ type: 'dynamodb', table: TABLE, client: recordingClient(sent) });
    expect(await getHealth(app)).toEqual(UP);
    expect(sent).toEqual([
      { command: 'GetItemCommand', input: { TableName: TABLE, Key: { sid: { S: 'health-check' } }, ConsistentRead: false } },
    ]);
  });

  it('is down when the table is missing', async () => {
    app = await startHealthApp({ type: 'dynamodb', table: 'no-such-table', client: recordingClient() });
    expect(await getHealth(app)).toEqual(down(/non-existent table/));
  });

  it('is down within storeTimeout when the endpoint never answers, with an app client that would wait for ever', async () => {
    // Accepts connections and never replies; the client has no request timeout of its own.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
    clients.push(client);
    try {
      app = await startHealthApp({ type: 'dynamodb', table: TABLE, client }, { storeTimeout: 300 });
      expect(await getHealth(app)).toEqual(down('no answer within 300 ms'));
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  // Last: DynamoDB Local stays stopped for the rest of the file.
  it('is down while DynamoDB is stopped', async () => {
    app = await startHealthApp({ type: 'dynamodb', table: TABLE, client: recordingClient() });
    expect(await getHealth(app)).toEqual(UP);
    await local.stop();
    expect(await getHealth(app)).toEqual(down(/ECONNREFUSED|ECONNRESET|socket hang up/));
  });
});
