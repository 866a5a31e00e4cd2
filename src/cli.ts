#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SessionConfigError } from './config/session-config.error.js';
import { loadOptionalPeer } from './stores/optional-peer.js';
import { loadDynamoDbSdk } from './stores/dynamodb/aws-errors.js';
import { DEFAULT_INDEX_NAME } from './stores/dynamodb/dynamodb-store.options.js';
import { ensureTable } from './stores/dynamodb/dynamodb-table.js';

const USAGE = `Usage: nestjs-session-store create-table --table NAME [--region REGION] [--endpoint URL] [--index-name NAME]

Creates the DynamoDB sessions table if it is missing (on-demand billing, key "sid",
index "${DEFAULT_INDEX_NAME}" on "userId"), waits until it is ACTIVE and turns TTL on
for "expiresAt". Running it again on an existing table only checks it.
Credentials and, without --region, the region come from the AWS SDK's default chain
(AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_REGION, ...).`;

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: CliOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Runs the command line `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], output: CliOutput = consoleOutput): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        table: { type: 'string' },
        region: { type: 'string' },
        endpoint: { type: 'string' },
        'index-name': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    output.err(messageOf(error));
    output.err(USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    output.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'create-table') {
    output.err(positionals.length === 0 ? 'No command given.' : `Unknown command: ${positionals.join(' ')}`);
    output.err(USAGE);
    return 2;
  }
  if (!values.table) {
    output.err('--table is required.');
    output.err(USAGE);
    return 2;
  }

  let sdk: Awaited<ReturnType<typeof loadDynamoDbSdk>>;
  try {
    sdk = await loadOptionalPeer('@aws-sdk/client-dynamodb', 'the DynamoDB store and this command', loadDynamoDbSdk);
  } catch (error) {
    if (!(error instanceof SessionConfigError)) throw error;
    output.err(error.message);
    return 1;
  }
  const client = new sdk.DynamoDBClient({
    ...(values.region ? { region: values.region } : {}),
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
  });
  const indexName = values['index-name'] ?? DEFAULT_INDEX_NAME;
  try {
    const { created, ttlEnabled } = await ensureTable(client, { table: values.table, indexName });
    output.out(created ? `Created table ${values.table}.` : `Table ${values.table} already exists.`);
    output.out(ttlEnabled ? 'Turned TTL on for expiresAt.' : 'TTL was already on for expiresAt.');
    output.out(`Table ${values.table} is ACTIVE with index ${indexName}.`);
    return 0;
  } catch (error) {
    output.err(`create-table failed: ${messageOf(error)}`);
    return 1;
  } finally {
    client.destroy();
  }
}

// Run only as the program itself (through the npm bin link too), not when imported by a test.
const invokedAs = process.argv[1];
if (invokedAs !== undefined && realpathSync(invokedAs) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
