import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const REGISTER = fileURLToPath(new URL('../support/swc-register.ts', import.meta.url));
const APP = fileURLToPath(new URL('./without-api.app.ts', import.meta.url));

it('without @opentelemetry/api installed, serves sessions with no wrapper and no telemetry, and `telemetry: true` stops the boot', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', REGISTER, APP], { timeout: 60_000 });
  expect(JSON.parse(stdout.trim().split('\n').at(-1) as string)).toEqual({
    apiMissing: true,
    storeIsTheAppsOwn: true,
    telemetry: null,
    statuses: [200, 200],
    insisting:
      'SessionConfigError: Invalid session configuration:\n  - telemetry: install @opentelemetry/api to use telemetry: npm install @opentelemetry/api',
  });
}, 90_000);
