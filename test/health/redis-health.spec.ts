import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisCli } from '../../tools/local-stores/redis-server.js';
import { UP, down, getHealth, startHealthApp } from '../support/health-app.js';
import { useRedisCluster, useRedisSentinel, useRedisServer } from '../support/redis-server.js';

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Polls GET /health until it gives `expected` (a client reconnects in the background). */
const healthBecomes = (expected: unknown) =>
  vi.waitFor(async () => expect(await getHealth(app as INestApplication)).toEqual(expected), { timeout: 10_000, interval: 100 });

describe('health of a standalone Redis', () => {
  const server = useRedisServer();

  it('is up for one PING', async () => {
    app = await startHealthApp({ type: 'redis', url: server.url });
    await server.resetCommandStats();
    expect(await getHealth(app)).toEqual(UP);
    expect(await server.commandCalls()).toEqual({ ping: 1 });
  });

  it('is down while the server is stopped, and up again once it is back', async () => {
    app = await startHealthApp({ type: 'redis', url: server.url });
    await server.stop();
    try {
      expect(await getHealth(app)).toEqual(down(/^PING failed with the connection \w+: /));
    } finally {
      await server.start();
    }
    await healthBecomes(UP);
  });

  it('is down within storeTimeout while the server is frozen, with an app client that would wait for ever', async () => {
    // No command timeout and an offline queue: only the indicator's own bound ends the wait.
    const client = new Redis(server.url);
    app = await startHealthApp({ type: 'redis', client }, { storeTimeout: 300 });
    process.kill(server.pid as number, 'SIGSTOP');
    try {
      expect(await getHealth(app)).toEqual(down('no answer within 300 ms'));
    } finally {
      process.kill(server.pid as number, 'SIGCONT');
    }
    await healthBecomes(UP);
    client.disconnect();
  });
});

describe('health of Redis behind Sentinel', () => {
  const master = useRedisServer();
  const sentinel = useRedisSentinel(master);

  it("is up while Sentinel's master answers, down while it is stopped", async () => {
    app = await startHealthApp({ type: 'redis', sentinels: sentinel.sentinels, name: sentinel.name });
    expect(await getHealth(app)).toEqual(UP);
    await master.stop();
    try {
      expect(await getHealth(app)).toEqual(down(/^PING failed/));
    } finally {
      await master.start();
    }
    await healthBecomes(UP);
  });
});

describe('health of a Redis Cluster', () => {
  const cluster = useRedisCluster();

  it('is up when every master answers PING', async () => {
    app = await startHealthApp({ type: 'redis', clusterNodes: cluster.nodes });
    expect(await getHealth(app)).toEqual(UP);
  });

  // Last: the stopped master stays down for the rest of the file.
  it('is down, naming the master, while one of three masters is down', async () => {
    app = await startHealthApp({ type: 'redis', clusterNodes: cluster.nodes });
    expect(await getHealth(app)).toEqual(UP);
    const victim = cluster.nodes[2] as { host: string; port: number };
    await redisCli(victim.port, 'shutdown', 'nosave').catch(() => undefined);
    const named = new RegExp(`^Redis Cluster: master ${victim.host}:${victim.port}: `);
    expect(await getHealth(app)).toEqual(down(named));
    // Once ioredis has dropped the closed connection, the check reads the slot map again.
    expect(await getHealth(app)).toEqual(down(named));
  });
});
