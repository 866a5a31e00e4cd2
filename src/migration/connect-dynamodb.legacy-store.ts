// Types only: this file must load without the AWS SDK installed; the factory hands in its commands.
import type { DeleteItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { LegacySession, LegacySessionStore } from './express-session-migration.options.js';
import { plainRecordOf } from './legacy-record.js';

export interface ConnectDynamoDbSettings {
  table: string;
  prefix: string;
  hashKey: string;
  commands: { GetItemCommand: typeof GetItemCommand; DeleteItemCommand: typeof DeleteItemCommand };
}

/** connect-dynamodb's items: one GetItem to read, one DeleteItem to remove. */
export class ConnectDynamoDbSessions implements LegacySessionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly settings: ConnectDynamoDbSettings,
  ) {}

  async get(id: string): Promise<LegacySession | null> {
    const { GetItemCommand } = this.settings.commands;
    // Strongly consistent, as connect-dynamodb reads: a session another instance has just moved
    // and deleted must not be moved twice.
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.settings.table, Key: this.keyOf(id), ConsistentRead: true }));
    const text = Item?.['sess']?.S;
    if (text === undefined) return null;
    const data = plainRecordOf(() => JSON.parse(text));
    if (!data) return null;
    // Epoch seconds, fractional when the old cookie's maxAge was not whole seconds.
    const expires = Number(Item?.['expires']?.N);
    return { data, expiresAt: Number.isFinite(expires) ? expires * 1000 : null };
  }

  async delete(id: string): Promise<void> {
    const { DeleteItemCommand } = this.settings.commands;
    await this.client.send(new DeleteItemCommand({ TableName: this.settings.table, Key: this.keyOf(id) }));
  }

  private keyOf(id: string) {
    return { [this.settings.hashKey]: { S: this.settings.prefix + id } };
  }
}
