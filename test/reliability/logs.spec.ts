import type { LoggerService } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import { describeSessionE2E } from '../e2e/session-e2e.suite.js';
import { useRedisServer } from '../support/redis-server.js';
import { redisStoreOn } from '../support/store-target.js';
import { cookiePair, createTestApp } from '../support/test-app.js';

// Everything the run prints, and every session ID and token the module or the tests made.
const seen = vi.hoisted(() => ({ log: [] as string[], ids: new Set<string>(), tokens: new Set<string>() }));

vi.mock('../../src/token/session-token.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/token/session-token.js')>();
  return {
    ...actual,
    generateSessionId: () => {
      const id = actual.generateSessionId();
      seen.ids.add(id);
      return id;
    },
    signSessionId: (id: string, secret: string) => {
      const token = actual.signSessionId(id, secret);
      seen.ids.add(id);
      seen.tokens.add(token);
      return token;
    },
  };
});

// The shared test app turns logging off; here every app logs everything, at every level, to us.
vi.mock('../support/test-app.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../support/test-app.js')>();
  const record =
    (level: string) =>
    (...parts: unknown[]) => {
      seen.log.push(`${level} ${parts.map((p) => (p instanceof Error ? `${p.message}\n${p.stack}` : typeof p === 'string' ? p : JSON.stringify(p))).join(' ')}`);
    };
  const logger: LoggerService = {
    log: record('log'),
    error: record('error'),
    warn: record('warn'),
    debug: record('debug'),
    verbose: record('verbose'),
    fatal: record('fatal'),
  };
  return {
    ...actual,
    createTestApp: async (...args: Parameters<typeof actual.createTestApp>) => {
      const app = await actual.createTestApp(...args);
      app.app.useLogger(logger);
      return app;
    },
  };
});

const restores: Array<() => void> = [];
beforeAll(() => {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: never[]) => {
      seen.log.push(String(chunk));
      return write(chunk as string, ...rest);
    }) as typeof stream.write;
    restores.push(() => (stream.write = write));
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const spy = vi.spyOn(console, method).mockImplementation((...parts: unknown[]) => {
      seen.log.push(parts.map(String).join(' '));
    });
    restores.push(() => spy.mockRestore());
  }
});

describeSessionE2E('memory', async () => {
  const store = new MemoryStore();
  return { store, close: () => store.close() };
});

describe('with Redis', () => {
  // Persistent, so the sessions are still there when the server comes back.
  const server = useRedisServer({ persistent: true });

  describeSessionE2E('redis', redisStoreOn(server));

  it('logs an outage and its end', async () => {
    const app = await createTestApp('express', { store: { type: 'redis', url: server.url } });
    const login = await request(app.server as never).post('/login').send({ user: 'alice' });
    const cookie = cookiePair(login.headers['set-cookie']) as string;
    await server.stop();
    expect((await request(app.server as never).get('/me').set('Cookie', cookie)).status).toBe(503);
    // Down until the client has failed to reconnect at least once, so that its warning is logged.
    await vi.waitFor(() => expect(seen.log.join('\n')).toContain('Redis session store connection failed'), { timeout: 5000 });
    await server.start();
    await vi.waitFor(async () => expect((await request(app.server as never).get('/me').set('Cookie', cookie)).status).toBe(200), {
      timeout: 5000,
      interval: 100,
    });
    await app.close();
  });
});

describe('everything logged during the run', () => {
  afterAll(() => {
    for (const restore of restores.splice(0)) restore();
  });

  it('holds no raw session ID and no cookie or header token', () => {
    const text = seen.log.join('\n');
    // The capture must have seen the module's own warnings, or finding nothing proves nothing.
    expect(text).toContain('Session store call failed');
    expect(text).toContain('Redis session store connection restored');
    expect(seen.ids.size).toBeGreaterThan(100);
    expect(seen.tokens.size).toBeGreaterThan(50);
    const leaked = [...seen.ids, ...seen.tokens].filter((secret) => text.includes(secret));
    expect(leaked).toEqual([]);
    process.stdout.write(
      `[reliability] logs: ${seen.log.length} lines captured (${text.length} characters), ` +
        `${seen.ids.size} session IDs and ${seen.tokens.size} tokens checked, 0 found\n`,
    );
  });
});
