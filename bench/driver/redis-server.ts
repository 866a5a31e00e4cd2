import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);
const READY_WITHIN = 10_000;
// Commands the driver itself sends between windows; they are no request's cost.
const DRIVER_COMMANDS = new Set(['config', 'info', 'ping']);

/** A redis-server of the bench's own, without persistence, on a free loopback port. */
export class RedisServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  static async start(): Promise<RedisServer> {
    const dir = await mkdtemp(join(tmpdir(), 'session-bench-redis-'));
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
    const server = new RedisServer(child, port, dir);
    const deadline = Date.now() + READY_WITHIN;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      // Our process must be the one answering: another could have taken the port meanwhile.
      const info = await server.cli('info', 'server').catch(() => '');
      if (info.includes(`process_id:${child.pid}\r`)) return server;
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`redis-server on port ${port} did not answer within ${READY_WITHIN} ms`);
      }
      await sleep(50);
    }
  }

  /** Zeroes the per-command counters, at the start of a measured window. */
  async resetStats(): Promise<void> {
    await this.cli('config', 'resetstat');
  }

  /** Calls per command since the last reset, from INFO commandstats (`cmdstat_get:calls=12,...`). */
  async commandCalls(): Promise<Record<string, number>> {
    const calls: Record<string, number> = {};
    for (const match of (await this.cli('info', 'commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      const command = (match[1] as string).toLowerCase();
      // Subcommands come as `config|resetstat`.
      if (!DRIVER_COMMANDS.has(command.split('|')[0] as string)) calls[command] = Number(match[2]);
    }
    return calls;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async cli(...args: string[]): Promise<string> {
    return (await run('redis-cli', ['-p', String(this.port), ...args])).stdout;
  }
}
