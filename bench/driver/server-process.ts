import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ServerEnvironment } from '../variants.js';

const SERVER_MAIN = fileURLToPath(new URL('../server/main.js', import.meta.url));
const START_TIMEOUT = 60_000;
const STOP_TIMEOUT = 10_000;

/** One variant's server, a fresh Node process on its own port, which reports its CPU time on request. */
export class ServerProcess {
  private constructor(private readonly child: ChildProcess) {}

  get pid(): number {
    return this.child.pid as number;
  }

  /** Forks the server on the driver's Node, with `execArgv` added (`--cpu-prof`), and waits until it listens. */
  static async start(env: ServerEnvironment, execArgv: string[] = []): Promise<ServerProcess> {
    const child = fork(SERVER_MAIN, [], {
      env: { ...process.env, ...env },
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const server = new ServerProcess(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT);
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('message', (message) => (message === 'ready' ? resolve() : reject(new Error(`unexpected ${String(message)}`))));
        child.once('exit', (code) => reject(new Error(`server ${env.BENCH_VARIANT} exited with ${code} before it listened`)));
      });
    } finally {
      clearTimeout(timer);
    }
    return server;
  }

  /** The server's own user + system CPU time so far, in microseconds. */
  async cpuMicros(): Promise<number> {
    const answer = once(this.child, 'message') as Promise<[{ cpu: NodeJS.CpuUsage }]>;
    this.child.send('cpu');
    const [{ cpu }] = await answer;
    return cpu.user + cpu.system;
  }

  /** Asks the server to close and exit, so that a `--cpu-prof` profile gets written; kills it if it hangs. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.send('stop');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT);
    await exited;
    clearTimeout(timer);
  }
}
