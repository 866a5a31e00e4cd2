import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The package as a user installs it: built from src/, packed by npm, unpacked into fresh apps and
 * compiled with strict settings. One app has only the peers every user needs and compiles with
 * skipLibCheck off, so that a declaration naming a driver it does not use fails (TS2307); the
 * other adds the drivers and passes clients and options typed by them.
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
// What every app has: the required peers, the package's own dependency, and the compiler.
const BASE_PACKAGES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/config',
  'reflect-metadata',
  'rxjs',
  'class-validator',
  'typescript',
  '@types/node',
];
const DRIVERS = ['ioredis', '@aws-sdk/client-dynamodb'];

const TSCONFIG = {
  compilerOptions: {
    target: 'es2023',
    lib: ['es2023'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    skipLibCheck: false,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    types: ['node'],
    noEmit: true,
  },
  include: ['src'],
};

// Every public piece an app without store drivers uses, the Redis store by its options.
const APP = `import { Controller, Get, Module, Post, UseGuards } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import {
  CurrentSession,
  type Session,
  SessionGuard,
  SessionModule,
  type SessionModuleOptions,
  SessionService,
  sessionConfig,
} from 'nestjs-session-store';

interface AppData { role?: string }

@Controller()
@UseGuards(SessionGuard)
class AccountController {
  constructor(private readonly sessions: SessionService) {}

  @Get('me')
  me(@CurrentSession() session: Session<AppData>) {
    return { user: session.userId, role: session.get('role') };
  }

  @Post('logout-everywhere')
  async logoutEverywhere(@CurrentSession('userId') userId: string): Promise<number> {
    return this.sessions.revokeAll(userId);
  }
}

@Module({
  imports: [
    SessionModule.forRoot({
      secrets: ['a-secret-of-at-least-32-characters!!'],
      store: { type: 'redis', url: 'rediss://cache.example.com:6379', tls: { rejectUnauthorized: true }, keyPrefix: 'app:' },
      isGlobal: true,
    }),
  ],
  controllers: [AccountController],
})
export class AppModule {}

@Module({
  imports: [
    SessionModule.forRootAsync({
      imports: [ConfigModule.forFeature(sessionConfig)],
      inject: [sessionConfig.KEY],
      useFactory: (options: SessionModuleOptions) => options,
    }),
  ],
})
export class EnvAppModule {}
`;

// Clients, credentials and driver options an app owns, typed by the drivers, passed without casts.
const APP_OWNED_CLIENTS = `import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import {
  type DynamoDbStoreOptions,
  type EnsureTableResult,
  RedisStore,
  type RedisStoreOptions,
  SessionModule,
  ensureTable,
} from 'nestjs-session-store';

const redis = new Redis({ lazyConnect: true });
const cluster = new Cluster([{ host: '127.0.0.1', port: 7000 }], { lazyConnect: true });
const dynamo = new DynamoDBClient({ region: 'eu-west-1' });
const credentials: DynamoDBClientConfig['credentials'] = async () => ({ accessKeyId: 'id', secretAccessKey: 'key' });
const redisOptions: RedisOptions = { connectionName: 'sessions' };
const clusterOptions: ClusterOptions = { scaleReads: 'slave' };

const stores: (RedisStoreOptions | DynamoDbStoreOptions)[] = [
  { type: 'redis', client: redis },
  { type: 'redis', client: cluster },
  { type: 'redis', url: 'redis://127.0.0.1:6379', redisOptions },
  { type: 'redis', clusterNodes: ['redis://127.0.0.1:7000'], clusterOptions },
  { type: 'dynamodb', table: 'sessions', client: dynamo },
  { type: 'dynamodb', table: 'sessions', credentials },
  { type: 'dynamodb', table: 'sessions', credentials: { accessKeyId: 'id', secretAccessKey: 'key' } },
];

export const modules = stores.map((store) => SessionModule.forRoot({ secrets: ['a-secret-of-at-least-32-characters!!'], store }));
export const table: Promise<EnsureTableResult> = ensureTable(dynamo, { table: 'sessions' });
export const store = new RedisStore(redis, { keyPrefix: 'app:' });
`;

let work: string;
let tarball: { filename: string; files: { path: string }[] };
let baseApp: string;
let compiled: { base: Promise<string>; drivers: Promise<string> };

/** tsc's report for the project in `dir`: empty when it compiles. */
async function typeCheck(dir: string): Promise<string> {
  try {
    await run(process.execPath, [TSC, '-p', dir], { cwd: dir });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout || error);
  }
}

/** A fresh app with the packed package unpacked in its node_modules and `packages` linked from ours. */
async function consumerApp(
  name: string,
  packages: string[],
  sources: Record<string, string>,
  compilerOptions: Record<string, unknown> = {},
): Promise<string> {
  const dir = join(work, name);
  const modules = join(dir, 'node_modules');
  await mkdir(join(modules, 'nestjs-session-store'), { recursive: true });
  await mkdir(join(dir, 'src'));
  await run('tar', ['-xzf', join(work, tarball.filename), '-C', join(modules, 'nestjs-session-store'), '--strip-components=1']);
  for (const pkg of packages) {
    await mkdir(dirname(join(modules, pkg)), { recursive: true });
    await symlink(join(ROOT, 'node_modules', pkg), join(modules, pkg), 'dir');
  }
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  const tsconfig = { ...TSCONFIG, compilerOptions: { ...TSCONFIG.compilerOptions, ...compilerOptions } };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  for (const [file, text] of Object.entries(sources)) await writeFile(join(dir, 'src', file), text);
  return dir;
}

beforeAll(async () => {
  // Outside the repository, so that nothing resolves from its node_modules by walking up.
  work = await mkdtemp(join(tmpdir(), 'session-store-package-'));
  const staged = join(work, 'staged');
  // A build of its own rather than dist/, which may be stale, missing, or being rebuilt.
  await run(process.execPath, [TSC, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(staged, 'dist')]);
  for (const file of ['package.json', 'README.md', 'LICENSE']) await copyFile(join(ROOT, file), join(staged, file));
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: staged });
  [tarball] = JSON.parse(stdout);
  baseApp = await consumerApp('base-app', BASE_PACKAGES, { 'app.ts': APP });
  // The base app checks the package's declarations; here what is at stake is the app's own code,
  // and checking the drivers' thousand declaration files too would double the time.
  const sources = { 'app.ts': APP, 'clients.ts': APP_OWNED_CLIENTS };
  const drivers = await consumerApp('driver-app', [...BASE_PACKAGES, ...DRIVERS], sources, { skipLibCheck: true });
  // The two compiles run side by side; each test waits for its own.
  compiled = { base: typeCheck(baseApp), drivers: typeCheck(drivers) };
  await Promise.all(Object.values(compiled));
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the build, its types, the README and the license, and nothing else', () => {
    const files = tarball.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/cli.js']));
    expect(files.filter((file) => !/^(package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts))$/.test(file))).toEqual([]);
  });

  it('type-checks in an app that has none of the optional peers, with skipLibCheck off', async () => {
    expect(await compiled.base).toBe('');
  });

  it('loads without the optional peers, imported or required (a CommonJS app, through require(esm))', async () => {
    const scripts = {
      module: "import 'reflect-metadata'; const m = await import('nestjs-session-store'); console.log(typeof m.SessionModule);",
      commonjs: "require('reflect-metadata'); console.log(typeof require('nestjs-session-store').SessionModule);",
    };
    for (const [type, script] of Object.entries(scripts)) {
      const { stdout } = await run(process.execPath, [`--input-type=${type}`, '-e', script], { cwd: baseApp });
      expect(stdout, type).toBe('function\n');
    }
  });

  it("takes an app's own ioredis and AWS SDK clients, credentials and options without casts", async () => {
    expect(await compiled.drivers).toBe('');
  });
});
