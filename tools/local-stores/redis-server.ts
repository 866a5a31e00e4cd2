import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import {
  type LocalProcess,
  type ProcessOptions,
  onFreePort,
  startProcess,
  waitUntilReady,
  watchForUnexpectedExit,
} from './local-process.js';

const run = promisify(execFile);
const READY_WITHIN = 10_000;
// What resetCommandStats() and commandCalls() send themselves; no client's traffic.
const OWN_COMMANDS = new Set(['config', 'info']);

/** A `redis-server` of our own, on a loopback port the OS handed out, in a temporary directory. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** With the `tls` option: a `rediss://localhost` URL and the self-signed certificate to trust. */
  readonly tls?: { url: string; ca: string };
  /** The running server's process ID; undefined while it is stopped. */
  readonly pid: number | undefined;
  /** Stops the process (SIGTERM: Redis flushes its append-only file first when it has one). */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory, so that persisted data comes back. */
  start(): Promise<void>;
  /** Sends a command through redis-cli and returns its output. */
  cli(...args: string[]): Promise<string>;
  /** Zeroes the per-command counters (CONFIG RESETSTAT). */
  resetCommandStats(): Promise<void>;
  /** Calls per command since the last reset, from INFO commandstats (`cmdstat_get:calls=12,...`). */
  commandCalls(): Promise<Record<string, number>>;
  /** Stops the process and removes its directory. */
  dispose(): Promise<void>;
}

export interface RedisServerOptions extends ProcessOptions {
  /** Keep data across stop/start with an fsync-always append-only file. Default false. */
  persistent?: boolean;
  /** Also listen for TLS, with a certificate for localhost made for this server (needs openssl). Default false. */
  tls?: boolean;
}

/**
 * INFO's answer over a plain connection, or '' when there is none yet: readiness needs no
 * redis-cli, so `npm run sample:redis` needs only redis-server.
 */
function info(port: number, section: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let received = Buffer.alloc(0);
    const done = (text: string) => {
      socket.destroy();
      resolve(text);
    };
    socket.setTimeout(500, () => done(''));
    socket.once('error', () => done(''));
    socket.once('close', () => done(''));
    socket.once('connect', () => socket.write(`INFO ${section}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // A bulk reply, `$<length>\r\n<text>\r\n`; an error reply (`-LOADING`, `-NOAUTH`) is no answer.
      if (received[0] !== 0x24) return done('');
      const header = /^\$(\d+)\r\n/.exec(received.toString('latin1', 0, 24));
      if (header && received.length >= header[0].length + Number(header[1])) {
        done(received.toString('utf8', header[0].length, header[0].length + Number(header[1])));
      }
    });
  });
}

export async function redisCli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();
}

/**
 * Starts redis-server on `port` with these arguments (after a config file, if any) and waits
 * until it answers. A PONG could come from another process that took the port first, so it is
 * ready only once INFO names our process.
 */
export async function launchRedis(
  port: number,
  dir: string,
  extra: string[],
  options: ProcessOptions = {},
  configFile?: string,
): Promise<LocalProcess> {
  const child = startProcess({
    ...options,
    name: `redis-server on port ${port}`,
    command: 'redis-server',
    args: [
      ...(configFile ? [configFile] : []),
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning',
      ...extra,
    ],
    cwd: dir,
  });
  await waitUntilReady(child, async () => (await info(port, 'server')).includes(`process_id:${child.pid}\r\n`), READY_WITHIN, 50);
  watchForUnexpectedExit(child, options.onUnexpectedExit);
  return child;
}

/** Starts a standalone server in a fresh temporary directory, on a free port. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'local-redis-'));
  const persistence = options.persistent
    ? ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always']
    : ['--save', '', '--appendonly', 'no'];
  let started;
  try {
    if (options.tls) await makeCertificate(dir);
    started = await onFreePort(async (port) => {
      const tlsPort = options.tls ? await freePort() : 0;
      const args = options.tls ? [...persistence, ...tlsArgs(dir, tlsPort)] : persistence;
      return { port, tlsPort, args, child: await launchRedis(port, dir, args, options) };
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const { port, tlsPort, args } = started;
  let child: LocalProcess | undefined = started.child;
  const stop = async () => {
    await child?.stop();
    child = undefined;
  };
  const cli = (...cliArgs: string[]) => redisCli(port, ...cliArgs);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    ...(options.tls
      ? { tls: { url: `rediss://localhost:${tlsPort}`, ca: await readFile(join(dir, 'cert.pem'), 'utf8') } }
      : {}),
    get pid() {
      return child?.pid;
    },
    stop,
    start: async () => {
      child ??= await launchRedis(port, dir, args, options);
    },
    cli,
    resetCommandStats: async () => {
      await cli('config', 'resetstat');
    },
    commandCalls: async () => {
      const calls: Record<string, number> = {};
      for (const [, command, count] of (await cli('info', 'commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        const name = (command as string).toLowerCase();
        // Redis 7 names subcommands `config|resetstat`; Redis 6 only `config`.
        if (!OWN_COMMANDS.has(name.split('|')[0] as string)) calls[name] = Number(count);
      }
      return calls;
    },
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function makeCertificate(dir: string): Promise<void> {
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
  ]);
}

function tlsArgs(dir: string, tlsPort: number): string[] {
  return [
    '--tls-port', String(tlsPort),
    '--tls-cert-file', join(dir, 'cert.pem'),
    '--tls-key-file', join(dir, 'key.pem'),
    '--tls-auth-clients', 'no',
  ];
}
