import {
  BatchGetItemCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../src/stores/dynamodb/dynamodb-table.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

const EMULATOR = fileURLToPath(new URL('../../node_modules/amplify-dynamodb-simulator/emulator/', import.meta.url));
const START_TIMEOUT = 45_000;
// Vitest ends its workers with a signal, which no exit handler sees: setpriv (util-linux) sets
// PR_SET_PDEATHSIG so that the kernel stops the emulator when the worker that started it dies.
const WITH_PARENT = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'SIGTERM'] : [];

/** DynamoDB Local accepts any credentials; tables are kept apart by access key and region. */
export const LOCAL_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

export interface DynamoDbLocal {
  endpoint: string;
  /** A new client for the emulator; the caller destroys it. */
  client(): DynamoDBClient;
  stop(): Promise<void>;
}

/**
 * Starts the official DynamoDB Local emulator in memory on a free port and waits until it
 * answers. Each spec file starts one: the JVM takes seconds to start, a table a millisecond.
 */
export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const [command, ...prefix] = [...WITH_PARENT, 'java'];
  const child: ChildProcess = spawn(
    command as string,
    [
      ...prefix,
      // Short-lived test JVMs start faster without the optimising compiler and with one GC thread.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      `-Djava.library.path=${EMULATOR}DynamoDBLocal_lib`,
      '-jar',
      `${EMULATOR}DynamoDBLocal.jar`,
      '-inMemory',
      '-port',
      String(port),
      '-disableTelemetry',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // An exit handler covers a worker that ends normally; WITH_PARENT one that Vitest kills.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = once(child, 'exit');

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const client = () => new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint, maxAttempts: 1 });

  const probe = client();
  const deadline = Date.now() + START_TIMEOUT;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}: ${stderr}`);
      try {
        await probe.send(new ListTablesCommand({}));
        break;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${String(error)} ${stderr}`);
        await sleep(100);
      }
    }
    await warmUp(probe);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    probe.destroy();
  }
  return { endpoint, client, stop };
}

/**
 * Runs each operation the store uses once on a scratch table. The emulator's first calls take
 * over a second while the JVM loads their code, longer than the module's default store timeout.
 */
async function warmUp(client: DynamoDBClient): Promise<void> {
  const TableName = 'warm-up';
  const Key = { sid: { S: 'k' } };
  await ensureTable(client, { table: TableName });
  await client.send(new PutItemCommand({ TableName, Item: { ...Key, userId: { S: 'u' }, data: { M: {} } }, ConditionExpression: 'attribute_not_exists(sid)' }));
  await client.send(new GetItemCommand({ TableName, Key, ConsistentRead: true }));
  await client.send(
    new UpdateItemCommand({
      TableName,
      Key,
      UpdateExpression: 'SET #d.#k = :v REMOVE #d.#r',
      ConditionExpression: 'attribute_exists(sid)',
      ExpressionAttributeNames: { '#d': 'data', '#k': 'k', '#r': 'r' },
      ExpressionAttributeValues: { ':v': { N: '1' } },
    }),
  );
  await client.send(
    new QueryCommand({
      TableName,
      IndexName: 'userId-index',
      KeyConditionExpression: 'userId = :u',
      ExpressionAttributeValues: { ':u': { S: 'u' } },
    }),
  );
  await client.send(new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: [Key], ConsistentRead: true } } }));
  await client.send(new DeleteItemCommand({ TableName, Key }));
  await client.send(new DeleteTableCommand({ TableName }));
}
