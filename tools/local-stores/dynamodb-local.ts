import { DynamoDBClient, type DynamoDBClientConfig, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type LocalProcess,
  type ProcessOptions,
  onFreePort,
  startProcess,
  waitUntilReady,
  watchForUnexpectedExit,
} from './local-process.js';

// DynamoDB Local 1.25 from the amplify-dynamodb-simulator dev dependency, found the way Node
// finds a package: this file runs from tools/, dist-sample/tools/ and bench/dist/tools/.
const EMULATOR = join(dirname(createRequire(import.meta.url).resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
const READY_WITHIN = 60_000;

/** DynamoDB Local accepts any credentials and region; these keep the SDK from looking elsewhere. */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

/** The same, as the variables a child process's SDK reads. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: LOCAL_AWS.region,
  AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
} as const;

export interface DynamoDbLocalOptions extends ProcessOptions {
  /**
   * `memory` (default): the fastest, and everything is gone once it stops. `disk`: tables are
   * kept in its temporary directory, so that stop() and start() model an outage.
   */
  storage?: 'memory' | 'disk';
  /**
   * `short-lived` (default): only the quick JIT and one GC thread, so that the JVM starts in
   * about half the time. `long-running`: the JVM's defaults, which compile the hot code fully
   * over tens of seconds; for measuring throughput.
   */
  jvm?: 'short-lived' | 'long-running';
  /** Run at this niceness, so that a (re)starting JVM cannot starve the processes being measured. */
  nice?: number;
}

export interface DynamoDbLocal {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** The running JVM's process ID; undefined while it is stopped. */
  readonly pid: number | undefined;
  /** A new client for the emulator, with LOCAL_AWS and no retries unless `config` says otherwise; the caller destroys it. */
  client(config?: DynamoDBClientConfig): DynamoDBClient;
  /** Stops the JVM (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory, and resolves once it answers. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

const QUICK_START = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/** Starts DynamoDB Local (Java 17 or later on the PATH) on a free port and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  // The working directory too: the emulator writes a metadata file into it.
  const dir = await mkdtemp(join(tmpdir(), 'local-dynamodb-'));
  const launch = async (port: number): Promise<LocalProcess> => {
    const child = startProcess({
      ...options,
      name: `DynamoDB Local on port ${port}`,
      command: 'java',
      args: [
        ...(options.jvm === 'long-running' ? [] : QUICK_START),
        `-Djava.library.path=${join(EMULATOR, 'DynamoDBLocal_lib')}`,
        '-jar', join(EMULATOR, 'DynamoDBLocal.jar'),
        ...(options.storage === 'disk' ? ['-dbPath', dir] : ['-inMemory']),
        '-port', String(port),
        '-disableTelemetry',
      ],
      cwd: dir,
    });
    const probe = clientFor(port);
    try {
      await waitUntilReady(child, () => probe.send(new ListTablesCommand({})).then(() => true), READY_WITHIN);
    } finally {
      probe.destroy();
    }
    watchForUnexpectedExit(child, options.onUnexpectedExit);
    return child;
  };

  let started;
  try {
    started = await onFreePort(async (port) => ({ port, child: await launch(port) }));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const { port } = started;
  let child: LocalProcess | undefined = started.child;
  const stop = async () => {
    await child?.stop();
    child = undefined;
  };
  return {
    port,
    endpoint: endpointOf(port),
    get pid() {
      return child?.pid;
    },
    client: (config) => clientFor(port, config),
    stop,
    start: async () => {
      child ??= await launch(port);
    },
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const endpointOf = (port: number) => `http://127.0.0.1:${port}`;

const clientFor = (port: number, config: DynamoDBClientConfig = {}) =>
  new DynamoDBClient({ ...LOCAL_AWS, endpoint: endpointOf(port), maxAttempts: 1, ...config });
