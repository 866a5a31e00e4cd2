import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { LOCAL_CLIENT_CONFIG } from './dynamodb-local.js';
import { freePort } from './free-port.js';

const EMULATOR = fileURLToPath(new URL('../../node_modules/amplify-dynamodb-simulator/emulator/', import.meta.url));
const START_TIMEOUT = 60_000;

/** DynamoDB Local keeping its tables in a directory, so that it can be stopped and started again. */
export interface DynamoDbLocalOnDisk {
  endpoint: string;
  /** A new client for the emulator; the caller destroys it. */
  client(): DynamoDBClient;
  /** Stops the emulator; its data stays on disk. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory, and resolves once it answers. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts the emulator with `-dbPath` in a fresh temporary directory, for the outage tests: the
 * in-memory launcher in dynamodb-local.ts is faster but forgets everything when stopped.
 */
export async function startDynamoDbLocalOnDisk(): Promise<DynamoDbLocalOnDisk> {
  const dir = await mkdtemp(join(tmpdir(), 'session-dynamodb-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = () => new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint, maxAttempts: 1 });
  let child: ChildProcess | undefined;

  const stop = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, 'exit');
    current.kill('SIGTERM');
    const timer = setTimeout(() => current.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const start = async () => {
    if (child) return;
    // Niced: a restarting JVM takes both cores for seconds, and the app servers whose 503
    // latency the outage test measures must not be starved by it.
    const launched = spawn(
      'nice',
      [
        '-n',
        '10',
        'java',
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        `-Djava.library.path=${EMULATOR}DynamoDBLocal_lib`,
        '-jar',
        `${EMULATOR}DynamoDBLocal.jar`,
        '-dbPath',
        dir,
        '-port',
        String(port),
        '-disableTelemetry',
      ],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child = launched;
    running.add(launched);
    launched.once('exit', () => running.delete(launched));
    let stderr = '';
    launched.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const probe = client();
    const deadline = Date.now() + START_TIMEOUT;
    try {
      for (;;) {
        if (launched.exitCode !== null) throw new Error(`DynamoDB Local exited with ${launched.exitCode}: ${stderr}`);
        try {
          await probe.send(new ListTablesCommand({}));
          return;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${String(error)} ${stderr}`);
          await sleep(100);
        }
      }
    } catch (error) {
      await stop();
      throw error;
    } finally {
      probe.destroy();
    }
  };

  await start();
  return {
    endpoint,
    client,
    stop,
    start,
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
