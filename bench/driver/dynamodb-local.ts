import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';
import { PATHS } from './paths.js';

const EMULATOR = PATHS.emulator;
const START_TIMEOUT = 60_000;

/** DynamoDB Local accepts any credentials; the driver sets these for every server process too. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
} as const;

/** DynamoDB Local 1.25 in memory, on a free port, with the JVM's default (optimising) JIT. */
export class DynamoDbLocal {
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
    private readonly dir: string,
  ) {}

  get pid(): number {
    return this.child.pid as number;
  }

  static async start(): Promise<DynamoDbLocal> {
    // The emulator writes a metadata file into its working directory.
    const dir = await mkdtemp(join(tmpdir(), 'session-bench-dynamodb-'));
    const port = await freePort();
    const child = spawn(
      'java',
      [
        `-Djava.library.path=${EMULATOR}DynamoDBLocal_lib`,
        '-jar',
        `${EMULATOR}DynamoDBLocal.jar`,
        '-inMemory',
        '-port',
        String(port),
        '-disableTelemetry',
      ],
      { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const local = new DynamoDbLocal(child, `http://127.0.0.1:${port}`, dir);
    const probe = local.client();
    const deadline = Date.now() + START_TIMEOUT;
    try {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}`);
        try {
          await probe.send(new ListTablesCommand({}));
          return local;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${local.endpoint}: ${String(error)}`);
          await sleep(200);
        }
      }
    } catch (error) {
      await local.stop();
      throw error;
    } finally {
      probe.destroy();
    }
  }

  /** A client straight to the emulator, for setting up tables; the caller destroys it. */
  client(): DynamoDBClient {
    return new DynamoDBClient({
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
      endpoint: this.endpoint,
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
