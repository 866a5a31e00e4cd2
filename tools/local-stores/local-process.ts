import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

// One way to run a local store's process for the tests, the sample and the benchmark: it dies
// with the Node process that started it, stops with SIGTERM and then SIGKILL, and says why it
// did not start.

/** How a launcher runs its process, the same for every store. */
export interface ProcessOptions {
  /**
   * Start it in a process group of its own, so that a terminal's Ctrl-C reaches only the
   * caller, which then stops things in its own order (the sample stops the app before its
   * store). Only for a caller that handles SIGINT itself. Default false.
   */
  detached?: boolean;
  /** Show its stdout and stderr on ours. Default false: the end of its stderr goes into the errors instead. */
  showOutput?: boolean;
  /** Called when it ends without being asked to, once it was ready: a crash, or killed from outside. */
  onUnexpectedExit?: (error: Error) => void;
}

export interface ProcessSpec extends Omit<ProcessOptions, 'onUnexpectedExit'> {
  /** What to call it in messages: `redis-server on port 6380`. */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run it at this niceness (`nice -n`), so that it cannot starve the processes being measured. */
  nice?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether stop() was called before it ended. */
  asked: boolean;
}

export interface LocalProcess {
  readonly name: string;
  /** Undefined when it could not be started at all. */
  readonly pid: number | undefined;
  /** Resolves once it has exited, however it ended. Never rejects. */
  readonly exited: Promise<ExitStatus>;
  hasExited(): boolean;
  /** The end of what it wrote to stderr, for error messages ('' with showOutput: that went to ours). */
  stderr(): string;
  /** SIGTERM, then SIGKILL if it still runs after STOP_WITHIN; resolves once it has exited. */
  stop(): Promise<void>;
}

/** A process that ended before it answered: worth another try on a fresh port. */
export class ExitedBeforeReady extends Error {}

const STOP_WITHIN = 5_000;
const STDERR_KEPT = 8_192;
// Vitest ends its workers with a signal, and a killed driver or launcher runs no exit handler:
// setpriv (util-linux) sets PR_SET_PDEATHSIG, so the kernel sends the store SIGTERM when the
// Node process that started it dies, however it died. It survives the exec of `nice` and of
// the store itself, so `pid` is the store's own.
const WITH_PARENT = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'SIGTERM'] : [];

// Where setpriv is missing, this covers a caller that ends normally or calls process.exit().
const running = new Set<ChildProcess>();
let killingOnExit = false;
function killOnExit(child: ChildProcess): void {
  if (!killingOnExit) {
    killingOnExit = true;
    process.once('exit', () => {
      for (const each of running) each.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}

export function startProcess(spec: ProcessSpec): LocalProcess {
  const niced = spec.nice ? ['nice', '-n', String(spec.nice)] : [];
  const [command, ...args] = [...WITH_PARENT, ...niced, spec.command, ...spec.args];
  const child = spawn(command as string, args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: spec.detached ?? false,
    stdio: spec.showOutput ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'ignore', 'pipe'],
  });
  killOnExit(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_KEPT);
  });
  let stopping = false;
  let spawnFailed = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    // 'error' without 'exit' is a process that never started (no such command).
    child.once('error', (error) => {
      if (child.pid !== undefined) return;
      spawnFailed = true;
      stderr += `${spec.command}: ${error.message}`;
      resolve({ code: null, signal: null, asked: stopping });
    });
    child.once('exit', (code, signal) => resolve({ code, signal, asked: stopping }));
  });
  const hasExited = () => spawnFailed || child.exitCode !== null || child.signalCode !== null;
  return {
    name: spec.name,
    pid: child.pid,
    exited,
    hasExited,
    stderr: () => stderr,
    stop: async () => {
      stopping = true;
      if (hasExited()) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_WITHIN);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}

const tail = (stderr: string) => (stderr.trim() ? `: ${stderr.trim()}` : '');

/** Tells `listener`, if any, when the process ends without stop() having been called. */
export function watchForUnexpectedExit(child: LocalProcess, listener: ProcessOptions['onUnexpectedExit']): void {
  if (!listener) return;
  void child.exited.then(({ code, signal, asked }) => {
    if (!asked) listener(new Error(`${child.name} exited with ${signal ?? code}${tail(child.stderr())}`));
  });
}

/**
 * Polls `ready` until it answers true. Fails at once, with the end of the process's stderr, if
 * the process exits first; stops the process if it is not ready within `within` ms.
 */
export async function waitUntilReady(child: LocalProcess, ready: () => Promise<boolean>, within: number, every = 100): Promise<void> {
  const deadline = Date.now() + within;
  for (;;) {
    if (child.hasExited()) throw new ExitedBeforeReady(`${child.name} exited before it was ready${tail(child.stderr())}`);
    // Ready only if our process is still the one running once the check has answered.
    if ((await ready().catch(() => false)) && !child.hasExited()) return;
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`${child.name} was not ready within ${within / 1000} s${tail(child.stderr())}`);
    }
    await sleep(every);
  }
}

/**
 * Calls `launch` on a free port until a start succeeds: another process may take the port
 * between the asking and the binding, and then ours exits. A timeout is not retried.
 */
export async function onFreePort<T>(launch: (port: number) => Promise<T>, pick: () => Promise<number> = freePort): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await pick());
    } catch (error) {
      if (!(error instanceof ExitedBeforeReady) || attempt === 5) throw error;
    }
  }
}
