import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, isFree } from './free-port.js';
import { type LocalProcess, onFreePort, waitUntilReady } from './local-process.js';
import { launchRedis, redisCli } from './redis-server.js';

// The Redis deployments other than a single server that the store supports, for its tests.

const run = promisify(execFile);
const READY_WITHIN = 10_000;

/** Three masters, no replicas, every slot assigned. */
export interface RedisCluster {
  nodes: { host: string; port: number }[];
  dispose(): Promise<void>;
}

/** A Sentinel watching one master under the name `mymaster`. */
export interface RedisSentinel {
  sentinels: { host: string; port: number }[];
  name: string;
  dispose(): Promise<void>;
}

/** A free port whose cluster bus port (`port + 10000`, fixed before Redis 7) is free too. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 <= 65535 && (await isFree(port + 10000))) return port;
  }
}

/** Starts three cluster-enabled servers and joins them with `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'local-redis-cluster-'));
  const children: LocalProcess[] = [];
  const dispose = async () => {
    await Promise.all(children.map((child) => child.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const node = await onFreePort(async (port) => {
        const args = ['--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000'];
        return { port, child: await launchRedis(port, dir, args) };
      }, freeClusterPort);
      children.push(node.child);
      ports.push(node.port);
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const [i, port] of ports.entries()) {
      await waitUntilReady(children[i] as LocalProcess, async () => (await redisCli(port, 'cluster', 'info')).includes('cluster_state:ok'), READY_WITHIN, 50);
    }
    return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Starts a Sentinel that monitors the master on `masterPort` as `mymaster` and knows where it is. */
export async function startRedisSentinel(masterPort: number): Promise<RedisSentinel> {
  const name = 'mymaster';
  const dir = await mkdtemp(join(tmpdir(), 'local-redis-sentinel-'));
  // Sentinel rewrites its config file, so it needs one of its own.
  const configFile = join(dir, 'sentinel.conf');
  let child: LocalProcess | undefined;
  const dispose = async () => {
    await child?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await writeFile(configFile, `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1\n`);
    const sentinel = await onFreePort(async (port) => ({ port, child: await launchRedis(port, dir, ['--sentinel'], {}, configFile) }));
    child = sentinel.child;
    await waitUntilReady(
      child,
      async () => (await redisCli(sentinel.port, 'sentinel', 'get-master-addr-by-name', name)).includes(String(masterPort)),
      READY_WITHIN,
      50,
    );
    return { sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
