import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ensureTable } from '../src/index.js';
import { LOCAL_AWS_ENV, startDynamoDbLocal } from '../tools/local-stores/dynamodb-local.js';
import { type LocalProcess, type ProcessOptions, startProcess } from '../tools/local-stores/local-process.js';
import { startRedisServer } from '../tools/local-stores/redis-server.js';

// `npm run sample:redis` / `sample:dynamodb`: starts a throwaway local store on a free port, runs
// the sample against it, and stops both together, whichever ends first.

const SAMPLE_MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const TABLE = 'sessions';

interface LocalStore {
  /** The variables that point the sample at it. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

const log = (line: string) => process.stderr.write(`[run-with-store] ${line}\n`);

let store: LocalStore | undefined;
let sample: LocalProcess | undefined;
let stopping = false;

/** Stops the sample before the store, so that it never logs a store it lost while closing. */
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await sample?.stop();
  await store?.dispose();
  process.exit(code);
}

// Each child in a process group of its own, so that Ctrl-C reaches only this launcher, which
// then stops them in order; both show their output here.
const CHILD: ProcessOptions = { detached: true, showOutput: true };
const STORE: ProcessOptions = {
  ...CHILD,
  onUnexpectedExit: (error) => {
    log(`${error.message}; stopping the sample`);
    void shutdown(1);
  },
};

async function startRedis(): Promise<LocalStore> {
  const server = await startRedisServer(STORE);
  log(`redis-server listening on ${server.url}`);
  return { env: { SESSION_STORE: 'redis', SESSION_REDIS_URL: server.url }, dispose: server.dispose };
}

async function startDynamoDb(): Promise<LocalStore> {
  const local = await startDynamoDbLocal(STORE);
  const client = local.client();
  try {
    await ensureTable(client, { table: TABLE });
  } catch (error) {
    await local.dispose();
    throw error;
  } finally {
    client.destroy();
  }
  log(`DynamoDB Local listening on ${local.endpoint}, table "${TABLE}" ready`);
  return {
    env: {
      SESSION_STORE: 'dynamodb',
      SESSION_DYNAMODB_TABLE: TABLE,
      SESSION_DYNAMODB_REGION: LOCAL_AWS_ENV.AWS_REGION,
      SESSION_DYNAMODB_ENDPOINT: local.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
    },
    dispose: local.dispose,
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
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void shutdown(128 + constants.signals[signal]));
  }
  store = await start();
  sample = startProcess({
    ...CHILD,
    name: 'the sample',
    command: process.execPath,
    args: [SAMPLE_MAIN],
    env: { ...process.env, ...store.env },
  });
  void sample.exited.then(({ code, signal }) => shutdown(code ?? 128 + (signal ? constants.signals[signal] : 0)));
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
