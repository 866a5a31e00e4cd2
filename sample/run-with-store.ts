import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ensureTable } from '../src/index.js';

// `npm run sample:redis` / `sample:dynamodb`: starts a throwaway local store on a free port, runs
// the sample against it, and stops both together, whichever ends first.

const SAMPLE_MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
// From dist-sample/sample/ back to the repository's node_modules.
const EMULATOR = fileURLToPath(new URL('../../node_modules/amplify-dynamodb-simulator/emulator/', import.meta.url));
const READY_WITHIN = 60_000;
const TABLE = 'sessions';
// DynamoDB Local accepts any credentials and region; these keep the SDK from looking elsewhere.
const LOCAL_AWS = { region: 'us-east-1', accessKeyId: 'local', secretAccessKey: 'local' };

interface LocalStore {
  name: string;
  child: ChildProcess;
  /** The variables that point the sample at it. */
  env: Record<string, string>;
}

const log = (line: string) => process.stderr.write(`[run-with-store] ${line}\n`);

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Starts a child in its own process group, so that Ctrl-C reaches only this launcher, which then
 * stops the sample before the store and the sample never logs a store it lost while closing.
 */
function launch(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'inherit', 'inherit'], env });
  child.once('error', (error) => log(`${command} failed to start: ${error.message}`));
  return child;
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

async function stop(child: ChildProcess): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function waitUntil(what: string, child: ChildProcess, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_WITHIN;
  while (!(await ready())) {
    if (hasExited(child) || child.pid === undefined) throw new Error(`${what} exited before it was ready`);
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${READY_WITHIN / 1000} s`);
    await sleep(100);
  }
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function startRedis(): Promise<LocalStore> {
  const port = await freePort();
  const child = launch('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning',
  ]);
  try {
    await waitUntil(`redis-server on port ${port}`, child, () => redisPing(port));
  } catch (error) {
    await stop(child);
    throw error;
  }
  const url = `redis://127.0.0.1:${port}`;
  log(`redis-server listening on ${url}`);
  return { name: 'redis-server', child, env: { SESSION_STORE: 'redis', SESSION_REDIS_URL: url } };
}

async function startDynamoDb(): Promise<LocalStore> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = launch('java', [
    `-Djava.library.path=${EMULATOR}DynamoDBLocal_lib`,
    '-jar', `${EMULATOR}DynamoDBLocal.jar`,
    '-inMemory', '-port', String(port), '-disableTelemetry',
  ]);
  const { region, accessKeyId, secretAccessKey } = LOCAL_AWS;
  const client = new DynamoDBClient({ region, endpoint, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  try {
    await waitUntil(`DynamoDB Local on port ${port}`, child, () =>
      client.send(new ListTablesCommand({})).then(() => true, () => false),
    );
    await ensureTable(client, { table: TABLE });
  } catch (error) {
    await stop(child);
    throw error;
  } finally {
    client.destroy();
  }
  log(`DynamoDB Local listening on ${endpoint}, table "${TABLE}" ready`);
  return {
    name: 'DynamoDB Local',
    child,
    env: {
      SESSION_STORE: 'dynamodb',
      SESSION_DYNAMODB_TABLE: TABLE,
      SESSION_DYNAMODB_REGION: region,
      SESSION_DYNAMODB_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
    },
  };
}

const STORES: Record<string, () => Promise<LocalStore>> = { redis: startRedis, dynamodb: startDynamoDb };

async function main(): Promise<void> {
  const start = STORES[process.argv[2] ?? ''];
  if (!start) {
    log(`usage: node dist-sample/sample/run-with-store.js ${Object.keys(STORES).join('|')}`);
    process.exitCode = 2;
    return;
  }
  const store = await start();
  const sample = launch(process.execPath, [SAMPLE_MAIN], { ...process.env, ...store.env });
  const children = [sample, store.child];
  // Last resort when this process ends some other way: leave nothing running.
  process.once('exit', () => {
    for (const child of children) if (!hasExited(child)) child.kill('SIGKILL');
  });

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stop(sample);
    await stop(store.child);
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void shutdown(128 + constants.signals[signal]));
  }
  sample.once('exit', (code, signal) => void shutdown(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  store.child.once('exit', () => {
    if (!stopping) log(`${store.name} stopped unexpectedly; stopping the sample`);
    void shutdown(1);
  });
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
