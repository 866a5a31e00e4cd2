import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  type KeysAndAttributes,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ATTR,
  DYNAMODB_MAX_ITEM_SIZE,
  type Item,
  epochSeconds,
  fromItem,
  itemSize,
  toAttribute,
  toItem,
} from './dynamodb-item.js';
import { errorNamed } from './aws-errors.js';
import type { DynamoDbStoreClient, DynamoDbStoreSettings } from './dynamodb-store.options.js';
import { sdkClient } from './dynamodb-sdk-client.js';
import { SessionDataTooLargeError } from '../../session/session.errors.js';
import {
  HEALTH_CHECK_KEY,
  type SessionRecord,
  type SessionStore,
  type SessionUpdate,
  type StoredSession,
} from '../session-store.interface.js';

// Keeps each UpdateExpression well under DynamoDB's 4 KB expression limit.
const DATA_KEYS_PER_UPDATE = 100;
const BATCH_GET_LIMIT = 100;
const UNPROCESSED_RETRIES = 5;

// A write lands only on a session that exists and has not ended by either deadline, so a
// signed-out or expired session is never written back, even before TTL has removed it.
const LIVE = 'attribute_exists(#sid) AND #expMs > :now AND #exp > :nowSeconds';

type DataChange = { name: string; value?: AttributeValue };

const isTooLarge = (error: unknown): boolean =>
  errorNamed(error, 'ValidationException') && /item size .*exceeded/i.test(error.message);

/**
 * Sessions in a DynamoDB table, one item per session, with a sparse global secondary index on
 * `userId` for listing and revoking a user's sessions. See the README's DynamoDB section for the layout.
 */
export class DynamoDbStore implements SessionStore {
  private readonly client: DynamoDBClient;

  constructor(
    client: DynamoDbStoreClient,
    private readonly settings: DynamoDbStoreSettings,
    /** True when the store created the client, and so must destroy it on close. */
    private readonly ownsClient = false,
  ) {
    this.client = sdkClient(client);
  }

  async get(key: string): Promise<SessionRecord | null> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.settings.table, Key: keyOf(key), ConsistentRead: this.settings.consistentRead }),
    );
    return Item ? fromItem(Item) : null;
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    const item = toItem(key, record);
    this.assertFits(itemSize(item));
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.settings.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#sid)',
          ExpressionAttributeNames: { '#sid': ATTR.key },
        }),
      );
      return true;
    } catch (error) {
      if (errorNamed(error, 'ConditionalCheckFailedException')) return false;
      throw error;
    }
  }

  async update(key: string, update: SessionUpdate, now: number): Promise<boolean> {
    const changes: DataChange[] = [
      ...Object.entries(update.set).map(([name, value]) => ({ name, value: toAttribute(value, name) })),
      ...update.unset.map((name) => ({ name })),
    ];
    // The values written are a lower bound of the item's new size; DynamoDB checks the whole item.
    const written = toItem(key, {
      userId: update.userId ?? null,
      data: {},
      createdAt: update.refreshedAt,
      refreshedAt: update.refreshedAt,
      expiresAt: update.expiresAt,
    });
    written[ATTR.data] = { M: Object.fromEntries(changes.flatMap((c) => (c.value ? [[c.name, c.value]] : []))) };
    this.assertFits(itemSize(written));

    const chunks: DataChange[][] = [];
    for (let i = 0; i < changes.length; i += DATA_KEYS_PER_UPDATE) chunks.push(changes.slice(i, i + DATA_KEYS_PER_UPDATE));
    // A change of many keys is applied in several conditional writes: each lands only while the
    // session lives, as the contract asks, but a failure part-way keeps the parts already written.
    for (const chunk of chunks.length > 0 ? chunks : [[]]) {
      try {
        if (!(await this.write(key, update, chunk, now))) return false;
      } catch (error) {
        if (!isTooLarge(error)) throw error;
        throw new SessionDataTooLargeError(await this.sizeAfter(key, changes), DYNAMODB_MAX_ITEM_SIZE);
      }
    }
    return true;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.settings.table, Key: keyOf(key) }));
  }

  /**
   * Queries the index for the user's keys, then reads each item back from the table (strongly
   * consistent unless `consistentRead` is off): the index is eventually consistent and only holds
   * keys, so a session deleted or moved to another user a moment ago is not listed, and data
   * writes never cost an index write.
   */
  async findByUser(userId: string, now: number): Promise<StoredSession[]> {
    const keys: string[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.settings.table,
          IndexName: this.settings.indexName,
          KeyConditionExpression: '#uid = :uid',
          ProjectionExpression: '#sid',
          ExpressionAttributeNames: { '#uid': ATTR.userId, '#sid': ATTR.key },
          ExpressionAttributeValues: { ':uid': { S: userId } },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const key = item[ATTR.key]?.S;
        if (key !== undefined) keys.push(key);
      }
      start = page.LastEvaluatedKey;
    } while (start);

    const found: StoredSession[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      for (const item of await this.readAll(keys.slice(i, i + BATCH_GET_LIMIT))) {
        const record = fromItem(item);
        // The keys-only index keeps an expired session until TTL deletes it and cannot filter it
        // out: projecting expiresAt would cost an index write on every refresh (README, "Table layout").
        if (record.userId === userId && record.expiresAt > now) found.push({ key: item[ATTR.key]?.S as string, record });
      }
    }
    return found;
  }

  /**
   * One eventually consistent GetItem of a key no session has: it goes through the data plane,
   * the table and the app's IAM read permission, as sessions do, for half a read unit.
   * DescribeTable would not: it is a control-plane call, rate-limited apart from reads, and needs
   * a permission the store does not otherwise use.
   */
  async checkHealth(): Promise<void> {
    await this.client.send(new GetItemCommand({ TableName: this.settings.table, Key: keyOf(HEALTH_CHECK_KEY), ConsistentRead: false }));
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private async write(key: string, update: SessionUpdate, chunk: DataChange[], now: number): Promise<boolean> {
    // DynamoDB refuses placeholders the expressions do not use, so names are added as needed.
    const names: Record<string, string> = {
      '#sid': ATTR.key,
      '#ref': ATTR.refreshedAt,
      '#exp': ATTR.expiresAt,
      '#expMs': ATTR.expiresAtMs,
    };
    const values: Item = {
      ':now': { N: String(now) },
      ':nowSeconds': { N: String(now / 1000) },
      ':ref': { N: String(update.refreshedAt) },
      ':exp': { N: String(epochSeconds(update.expiresAt)) },
      ':expMs': { N: String(update.expiresAt) },
    };
    const set = ['#ref = :ref', '#exp = :exp', '#expMs = :expMs'];
    const remove: string[] = [];
    if (update.userId !== undefined) {
      names['#uid'] = ATTR.userId;
      if (update.userId === null) remove.push('#uid');
      else {
        set.push('#uid = :uid');
        values[':uid'] = { S: update.userId };
      }
    }
    if (chunk.length > 0) names['#d'] = ATTR.data;
    chunk.forEach(({ name, value }, i) => {
      names[`#k${i}`] = name;
      if (value) {
        set.push(`#d.#k${i} = :v${i}`);
        values[`:v${i}`] = value;
      } else remove.push(`#d.#k${i}`);
    });
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.settings.table,
          Key: keyOf(key),
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: LIVE,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (errorNamed(error, 'ConditionalCheckFailedException')) return false;
      throw error;
    }
  }

  private async readAll(keys: string[]): Promise<Item[]> {
    const items: Item[] = [];
    let request: Record<string, KeysAndAttributes> | undefined = {
      [this.settings.table]: { Keys: keys.map(keyOf), ConsistentRead: this.settings.consistentRead },
    };
    for (let attempt = 0; request; attempt++) {
      // DynamoDB hands back what it could not read under load; retry that part with backoff.
      if (attempt > UNPROCESSED_RETRIES) throw new Error(`DynamoDB left session reads unprocessed after ${attempt} attempts`);
      if (attempt > 0) await sleep(25 * 2 ** attempt);
      const out: BatchGetItemCommandOutput = await this.client.send(new BatchGetItemCommand({ RequestItems: request }));
      items.push(...(out.Responses?.[this.settings.table] ?? []));
      request = out.UnprocessedKeys && Object.keys(out.UnprocessedKeys).length > 0 ? out.UnprocessedKeys : undefined;
    }
    return items;
  }

  private assertFits(size: number): void {
    if (size > this.settings.maxItemSize) throw new SessionDataTooLargeError(size, this.settings.maxItemSize);
  }

  /** The size the item would have had, for the error DynamoDB's own size check leads to. */
  private async sizeAfter(key: string, changes: DataChange[]): Promise<number> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.settings.table, Key: keyOf(key) }));
    const data = { ...Item?.[ATTR.data]?.M };
    for (const { name, value } of changes) {
      if (value) data[name] = value;
      else delete data[name];
    }
    return itemSize({ ...Item, [ATTR.data]: { M: data } });
  }
}

function keyOf(key: string): Item {
  return { [ATTR.key]: { S: key } };
}
