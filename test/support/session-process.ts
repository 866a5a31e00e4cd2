import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../tools/local-stores/free-port.js';

const REGISTER = fileURLToPath(new URL('./swc-register.ts', import.meta.url));
const ENTRY = fileURLToPath(new URL('./session-server.ts', import.meta.url));
const START_WITHIN = 60_000;

/** What session-server.ts writes to stderr on an unhandled rejection. */
export const UNHANDLED_REJECTION = 'UNHANDLED REJECTION';

/** A session-server process this test started (see session-server.ts). */
export interface SessionProcess {
  url: string;
  port: number;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Everything the process wrote to stdout so far (Nest's warnings and logs go there). */
  stdout(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts the session server in its own Node process, configured only by the given `SESSION_*`
 * variables (and `SERVER_ADAPTER`), and resolves once it listens.
 */
export async function startSessionProcess(env: Record<string, string>): Promise<SessionProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', REGISTER, ENTRY], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      // DynamoDB Local accepts any credentials, but the SDK insists on having some.
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = once(child, 'exit').then(() => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`session server not listening within ${START_WITHIN} ms: ${stderr}`)), START_WITHIN);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes(`listening on ${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`session server exited with ${code}: ${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stderr: () => stderr,
    stdout: () => stdout,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
