import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { LOCAL_AWS } from '../../tools/local-stores/dynamodb-local.js';
import { useDynamoDbLocal } from '../support/dynamodb-local.js';

describe('nestjs-session-store create-table', () => {
  const local = useDynamoDbLocal();
  let client: DynamoDBClient;
  const saved = { ...process.env };

  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const lines = { out: [] as string[], err: [] as string[] };
    const code = await main(argv, { out: (line) => lines.out.push(line), err: (line) => lines.err.push(line) });
    return { code, out: lines.out.join('\n'), err: lines.err.join('\n') };
  }

  beforeAll(async () => {
    client = local.client();
    // The command reads credentials from the SDK's default chain, as it would in a shell.
    process.env.AWS_ACCESS_KEY_ID = LOCAL_AWS.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_AWS.credentials.secretAccessKey;
    delete process.env.AWS_PROFILE;
  });
  afterAll(async () => {
    process.env = saved;
    client?.destroy();
  });

  it('creates the table with its user index and TTL on expiresAt', async () => {
    const result = await run('create-table', '--table', 'app-sessions', '--region', 'us-east-1', '--endpoint', local.endpoint);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(/Created table app-sessions/);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'app-sessions' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'sid', KeyType: 'HASH' }]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const index = Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === 'userId-index');
    expect(index?.KeySchema).toEqual([{ AttributeName: 'userId', KeyType: 'HASH' }]);
    expect(index?.IndexStatus).toBe('ACTIVE');

    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: 'app-sessions' }));
    expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('succeeds again on the existing table without changing it', async () => {
    const result = await run('create-table', '--table', 'app-sessions', '--region', 'us-east-1', '--endpoint', local.endpoint);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/already exists/);
    expect(result.out).toMatch(/TTL was already on/);
  });

  it('honours --index-name', async () => {
    const args = ['--table', 'named-index', '--index-name', 'by-user', '--region', 'us-east-1', '--endpoint', local.endpoint];
    expect((await run('create-table', ...args)).code).toBe(0);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'named-index' }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['by-user']);
  });

  it('refuses an existing table the store could not use', async () => {
    await client.send(
      new CreateTableCommand({
        TableName: 'not-sessions',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'sid', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'sid', KeyType: 'HASH' }],
      }),
    );
    const result = await run('create-table', '--table', 'not-sessions', '--region', 'us-east-1', '--endpoint', local.endpoint);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/has no index "userId-index"/);
  });

  it('explains its usage on bad arguments', async () => {
    expect(await run('create-table')).toMatchObject({ code: 2, err: expect.stringMatching(/--table is required/) });
    expect(await run('drop-table', '--table', 'x')).toMatchObject({ code: 2, err: expect.stringMatching(/Unknown command/) });
    expect(await run('create-table', '--tabel', 'x')).toMatchObject({ code: 2, err: expect.stringMatching(/tabel/) });
    expect(await run('--help')).toMatchObject({ code: 0, out: expect.stringMatching(/^Usage: nestjs-session-store create-table/) });
  });
});
