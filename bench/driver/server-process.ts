import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerEnvironment, ServerStats } from '../variants.js';

const SERVER_MAIN = fileURLToPath(new URL('../server/main.js', import.meta.url));
const START_TIMEOUT = 60_000;
const STOP_TIMEOUT = 10_000;
const SETTLE_TIMEOUT = 10_000;

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

  /** The server's own CPU time and request counts so far. */
  async stats(): Promise<ServerStats> {
    const answer = once(this.child, 'message') as Promise<[ServerStats]>;
    this.child.send('stats');
    return (await answer)[0];
  }

  /**
   * Waits until the server has answered every request it received: the load generator stops
   * at the end of its window without waiting for the requests it has in flight.
   */
  async settle(): Promise<ServerStats> {
    const deadline = Date.now() + SETTLE_TIMEOUT;
    for (;;) {
      const stats = await this.stats();
      if (stats.inFlight === 0) return stats;
      if (Date.now() > deadline) throw new Error(`server still had ${stats.inFlight} requests open after ${SETTLE_TIMEOUT} ms`);
      await sleep(10);
    }
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
