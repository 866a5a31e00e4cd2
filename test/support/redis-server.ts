import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);
const READY_WITHIN = 10_000;

/** A `redis-server` process this test started, on a port the OS handed out. */
export interface RedisServer {
  port: number;
  url: string;
  /** Stops the process (SIGTERM: Redis flushes its append-only file first when it has one). */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory, so persisted data comes back. */
  start(): Promise<void>;
  /** Sends a command through redis-cli and returns its output. */
  cli(...args: string[]): Promise<string>;
  /** Stops the process and removes its directory. */
  dispose(): Promise<void>;
  /** With the `tls` option: a `rediss://localhost` URL and the self-signed certificate to trust. */
  tls?: { url: string; ca: string };
}

/** A Sentinel watching one master under the name `mymaster`. */
export interface RedisSentinel {
  sentinels: { host: string; port: number }[];
  name: string;
  dispose(): Promise<void>;
}

/** Three masters, no replicas, every slot assigned. */
export interface RedisCluster {
  nodes: { host: string; port: number }[];
  dispose(): Promise<void>;
}

export interface RedisServerOptions {
  /** Keep data across stop/start with an fsync-always append-only file. Default false. */
  persistent?: boolean;
  /** Also listen for TLS, with a certificate for localhost made for this server. Default false. */
  tls?: boolean;
}

// Vitest ends its workers with a signal, so no exit handler of ours runs: the kernel stops each
// server when the worker that started it dies (setpriv, from util-linux, sets PR_SET_PDEATHSIG).
const WITH_PARENT = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'SIGTERM'] : [];

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 <= 65535 && (await isFree(port + 10000))) return port;
  }
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_WITHIN;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} not ready within ${READY_WITHIN} ms`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts redis-server with these options (after a config file, if any) and waits for it. */
async function launch(port: number, dir: string, extra: string[], configFile?: string): Promise<ChildProcess> {
  const [command, ...prefix] = [...WITH_PARENT, 'redis-server'];
  const child = spawn(
    command as string,
    [
      ...prefix,
      ...(configFile ? [configFile] : []),
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning',
      ...extra,
    ],
    { stdio: 'ignore' },
  );
  let failed: Error | undefined;
  child.once('error', (error) => (failed = error));
  child.once('exit', (code) => (failed ??= new Error(`redis-server on port ${port} exited with ${code}`)));
  await waitFor(`redis-server on port ${port}`, async () => {
    if (failed) throw failed;
    // A PONG could come from another process that took the port first: check it is ours.
    return (await ping(port)) && (await cli(port, 'info', 'server')).includes(`process_id:${child.pid}\r`);
  });
  return child;
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child) return;
  child.kill('SIGTERM');
  await exited(child);
}

/** Starts a standalone server in a fresh temporary directory. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'session-redis-'));
  const persistence = options.persistent
    ? ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always']
    : ['--save', '', '--appendonly', 'no'];
  if (options.tls) await makeCertificate(dir);
  let port = 0;
  let tlsPort = 0;
  let args: string[] = [];
  let child: ChildProcess | undefined;
  // Another process may take a port between asking and binding; try a few.
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort();
    tlsPort = options.tls ? await freePort() : 0;
    args = options.tls ? [...persistence, ...tlsArgs(dir, tlsPort)] : persistence;
    try {
      child = await launch(port, dir, args);
    } catch (error) {
      if (attempt === 4) throw error;
    }
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    ...(options.tls
      ? { tls: { url: `rediss://localhost:${tlsPort}`, ca: await readFile(join(dir, 'cert.pem'), 'utf8') } }
      : {}),
    stop: async () => {
      await stopProcess(child);
      child = undefined;
    },
    start: async () => {
      child ??= await launch(port, dir, args);
    },
    cli: (...args) => cli(port, ...args),
    dispose: async () => {
      await stopProcess(child);
      child = undefined;
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

async function cli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();
}

/**
 * Starts three cluster-enabled servers and joins them with `redis-cli --cluster create`. Each
 * node's port is one whose cluster bus port (`port + 10000`, fixed before Redis 7) is free too.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'session-redis-cluster-'));
  const children: ChildProcess[] = [];
  const dispose = async () => {
    await Promise.all(children.map(stopProcess));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freeClusterPort();
      children.push(
        await launch(port, dir, [
          '--save', '', '--appendonly', 'no',
          '--cluster-enabled', 'yes',
          '--cluster-config-file', `nodes-${port}.conf`,
          '--cluster-node-timeout', '5000',
        ]),
      );
      ports.push(port);
    }
    await run('redis-cli', [
      '--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas', '0', '--cluster-yes',
    ]);
    for (const port of ports) {
      await waitFor(`cluster node ${port}`, async () => (await cli(port, 'cluster', 'info')).includes('cluster_state:ok'));
    }
    return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Starts a Sentinel that monitors the given master as `mymaster` and knows where it is. */
export async function startRedisSentinel(masterPort: number): Promise<RedisSentinel> {
  const name = 'mymaster';
  const dir = await mkdtemp(join(tmpdir(), 'session-redis-sentinel-'));
  // Sentinel rewrites its config file, so it needs one of its own.
  const configFile = join(dir, 'sentinel.conf');
  await writeFile(configFile, `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1\n`);
  const port = await freePort();
  const child = await launch(port, dir, ['--sentinel'], configFile);
  const dispose = async () => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('sentinel', async () =>
      (await cli(port, 'sentinel', 'get-master-addr-by-name', name)).includes(String(masterPort)),
    );
  } catch (error) {
    await dispose();
    throw error;
  }
  return { sentinels: [{ host: '127.0.0.1', port }], name, dispose };
}
