import { describe, expect, it } from 'vitest';
import { sessionOptionsFromEnv } from '../src/index.js';
import { resolveSessionOptions } from '../src/config/resolved-options.js';
import { problemsOf } from './support/config-problems.js';

const SECRET = 's'.repeat(32);

describe('options', () => {
  it('applies safe defaults', () => {
    const resolved = resolveSessionOptions({ secrets: [SECRET] });
    expect(resolved.cookie).toEqual({ name: '__Host-sid', domain: undefined, path: '/', sameSite: 'lax', secure: true, persistent: false });
    expect(resolved.idleTimeout).toBe(30 * 60_000);
    expect(resolved.absoluteTimeout).toBe(12 * 3_600_000);
    expect(resolved.anonymousIdleTimeout).toBe(5 * 60_000);
    expect(resolved.anonymousMaxSize).toBe(4096);
    expect(resolved.store).toBe('memory');
    expect(resolved.transport).toBe('cookie');
  });

  it('names every problem at once', () => {
    const problems = problemsOf(() =>
      resolveSessionOptions({
        secrets: ['short', SECRET],
        store: 'postgres' as never,
        cookie: { name: '__Host-sid', secure: false, domain: 'example.com' },
        idleTimeout: 0,
        touchInterval: -1,
      }),
    );
    expect(problems).toEqual([
      'secrets[0]: too short: each secret needs at least 32 characters',
      expect.stringContaining('store: unknown store "postgres"'),
      'cookie.secure: a __Host- cookie requires secure: true',
      'cookie.domain: a __Host- cookie must not set a domain',
      'idleTimeout: must be a positive integer',
      'touchInterval: must be an integer of 0 or more',
    ]);
  });

  it('refuses SameSite=None without Secure, idle beyond absolute and touches as long as the idle timeout', () => {
    expect(
      problemsOf(() =>
        resolveSessionOptions({
          secrets: [SECRET],
          cookie: { sameSite: 'none', secure: false },
          idleTimeout: 2000,
          absoluteTimeout: 1000,
          touchInterval: 2000,
        }),
      ),
    ).toEqual([
      'cookie.sameSite: SameSite=None requires secure: browsers reject it otherwise',
      'touchInterval: must be shorter than idleTimeout, or sessions would expire while in use',
      'idleTimeout: must not exceed absoluteTimeout',
    ]);
  });

  it('keeps the limits of sessions without a user within those of signed-in ones', () => {
    expect(
      problemsOf(() =>
        resolveSessionOptions({ secrets: [SECRET], anonymousIdleTimeout: 0, anonymousMaxSize: 1.5 }),
      ),
    ).toEqual(['anonymousIdleTimeout: must be a positive integer', 'anonymousMaxSize: must be a positive integer']);
    expect(
      problemsOf(() =>
        resolveSessionOptions({ secrets: [SECRET], idleTimeout: 120_000, anonymousIdleTimeout: 180_000, maxSize: 1024, anonymousMaxSize: 2048 }),
      ),
    ).toEqual([
      'anonymousIdleTimeout: must not exceed idleTimeout: a session without a user should not outlive a signed-in one',
      'anonymousMaxSize: must not exceed maxSize',
    ]);
    const shorter = resolveSessionOptions({ secrets: [SECRET], idleTimeout: 120_000, touchInterval: 1000, maxSize: 1024 });
    expect(shorter).toMatchObject({ anonymousIdleTimeout: 120_000, anonymousMaxSize: 1024 });
  });

  it('refuses a store instance that does not implement the contract', () => {
    expect(problemsOf(() => resolveSessionOptions({ secrets: [SECRET], store: { get() {} } as never }))).toEqual([
      'store: a store instance must implement SessionStore (missing create, update, delete, findByUser)',
    ]);
  });
});

describe('options from the environment', () => {
  it('reads every variable', () => {
    const options = sessionOptionsFromEnv({
      SESSION_SECRETS: `${SECRET}, ${'t'.repeat(40)}`,
      SESSION_COOKIE_NAME: '__Host-sid',
      SESSION_COOKIE_SAMESITE: 'strict',
      SESSION_COOKIE_SECURE: 'true',
      SESSION_COOKIE_PERSISTENT: 'true',
      SESSION_TRANSPORT: 'both',
      SESSION_HEADER_NAME: 'x-token',
      SESSION_IDLE_TIMEOUT_SECONDS: '600',
      SESSION_ABSOLUTE_TIMEOUT_SECONDS: '3600',
      SESSION_TOUCH_INTERVAL_SECONDS: '30',
      SESSION_MAX_SIZE_BYTES: '2048',
      SESSION_STORE_TIMEOUT_MS: '500',
      SESSION_ANONYMOUS_IDLE_TIMEOUT_SECONDS: '120',
      SESSION_ANONYMOUS_MAX_SIZE_BYTES: '1024',
      SESSION_MEMORY_MAX_SESSIONS: '50',
      SESSION_CSRF_ALLOWED_ORIGINS: 'https://app.example.com, https://admin.example.com',
      PATH: '/usr/bin',
    });
    expect(options).toMatchObject({
      secrets: [SECRET, 't'.repeat(40)],
      store: { type: 'memory', maxSessions: 50 },
      cookie: { name: '__Host-sid', sameSite: 'strict', secure: true, persistent: true },
      transport: 'both',
      headerName: 'x-token',
      idleTimeout: 600_000,
      absoluteTimeout: 3_600_000,
      touchInterval: 30_000,
      maxSize: 2048,
      storeTimeout: 500,
      anonymousIdleTimeout: 120_000,
      anonymousMaxSize: 1024,
      csrf: { allowedOrigins: ['https://app.example.com', 'https://admin.example.com'] },
    });
    expect(sessionOptionsFromEnv({ SESSION_SECRETS: SECRET, SESSION_CSRF: 'false' }).csrf).toBe(false);
    expect(() => sessionOptionsFromEnv({ SESSION_SECRETS: SECRET, SESSION_CSRF_ALLOWED_ORIGINS: 'app.example.com' })).toThrow(
      /SESSION_CSRF_ALLOWED_ORIGINS: "app.example.com" is not an origin/,
    );
  });

  it('stops the boot with one message naming every bad variable and why', () => {
    let message = '';
    try {
      sessionOptionsFromEnv({
        SESSION_SECRETS: 'too-short',
        SESSION_STORE: 'postgres',
        SESSION_COOKIE_NAME: '__Host-sid',
        SESSION_COOKIE_SECURE: 'false',
        SESSION_IDLE_TIMEOUT_SECONDS: '30m',
        SESSION_IDLE_TIMOUT_SECONDS: '60',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Invalid session configuration');
    expect(message).toContain('SESSION_STORE: unknown store; use memory, redis or dynamodb');
    expect(message).toContain('SESSION_IDLE_TIMEOUT_SECONDS: must be a whole number of seconds');
    expect(message).toContain('SESSION_IDLE_TIMOUT_SECONDS: is not a variable this module reads (misspelt?)');
    expect(message).toContain('SESSION_SECRETS: too short: each secret needs at least 32 characters');
    expect(message).toContain('SESSION_COOKIE_SECURE: a __Host- cookie requires secure: true');
  });

  it('requires the secrets, the Redis URL and the DynamoDB table when their store is chosen', () => {
    expect(() => sessionOptionsFromEnv({ SESSION_STORE: 'redis' })).toThrow(/SESSION_SECRETS: is required[\s\S]*SESSION_REDIS_URL: is required/);
    expect(() => sessionOptionsFromEnv({ SESSION_SECRETS: SECRET, SESSION_STORE: 'dynamodb' })).toThrow(
      /SESSION_DYNAMODB_TABLE: is required with SESSION_STORE=dynamodb/,
    );
  });
});

describe('what a newcomer gets wrong', () => {
  it('says a secret is missing, not short, and names the variable sessionConfig reads', () => {
    expect(problemsOf(() => resolveSessionOptions({ secrets: [undefined as unknown as string] }))).toEqual([
      expect.stringMatching(/^secrets\[0\]: is missing .*SESSION_SECRETS/),
    ]);
    expect(problemsOf(() => resolveSessionOptions({ secrets: [''] }))).toEqual([expect.stringMatching(/^secrets\[0\]: is missing/)]);
  });

  it('tells a Redis URL of the wrong scheme from a missing one', () => {
    expect(() => sessionOptionsFromEnv({ SESSION_SECRETS: SECRET, SESSION_STORE: 'redis', SESSION_REDIS_URL: 'http://cache:6379' })).toThrow(
      /SESSION_REDIS_URL: must start with redis:\/\/ or rediss:\/\//,
    );
    expect(() => sessionOptionsFromEnv({ SESSION_SECRETS: SECRET, SESSION_STORE: 'redis' })).toThrow(/SESSION_REDIS_URL: is required/);
  });

  it('names the variables, not the code options, when two variables disagree', () => {
    let message = '';
    try {
      sessionOptionsFromEnv({ SESSION_SECRETS: SECRET, SESSION_IDLE_TIMEOUT_SECONDS: '7200', SESSION_ABSOLUTE_TIMEOUT_SECONDS: '3600' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('SESSION_IDLE_TIMEOUT_SECONDS: must not exceed SESSION_ABSOLUTE_TIMEOUT_SECONDS');
    expect(message).not.toMatch(/absoluteTimeout/);
  });

  it('refuses secrets separated by spaces instead of taking them for one secret', () => {
    expect(() => sessionOptionsFromEnv({ SESSION_SECRETS: `${SECRET} ${'t'.repeat(40)}` })).toThrow(
      /SESSION_SECRETS: .*separate secrets with commas/,
    );
  });
});

describe('.env.example', () => {
  it('lists every variable the module reads, with values that boot', async () => {
    const { readFileSync } = await import('node:fs');
    const { getMetadataStorage } = await import('class-validator');
    const { SessionEnvironment } = await import('../src/index.js');
    const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const listed = new Set([...text.matchAll(/^#?\s*(SESSION_[A-Z_]+)=/gm)].map((m) => m[1]));
    const read = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(SessionEnvironment, '', true, false)
        .map((m) => m.propertyName),
    );
    expect(read.size).toBeGreaterThan(15);
    expect([...read].filter((name) => !listed.has(name))).toEqual([]);
    const active = Object.fromEntries([...text.matchAll(/^(SESSION_[A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(() => sessionOptionsFromEnv(active)).not.toThrow();
  });
});
