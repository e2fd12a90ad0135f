import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MAX_ITEM_BYTES, TABLE } from '../../schemas/storage.ts';
import { itemBytes } from './item-size.ts';

/**
 * The DynamoDB table: conditional Put and Update (a failed condition is an answer, `false`, not an error) and Query
 * with pagination. Deliberately no TransactWriteItems and no ReturnValuesOnConditionCheckFailure: the local server
 * (dynalite) has neither, and single-item conditions on the S3 sequencer are all the pipeline needs.
 */

export interface Expression {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export interface TableKey {
  pk: string;
  sk: string;
}

export interface QueryInput {
  /** Partition key value of the table (pk) or, with `index`, of the GSI (gsi1pk). */
  partition: string;
  index?: 'ranking';
  skBeginsWith?: string;
  filter?: Expression;
  descending?: boolean;
}

export class ItemTooLargeError extends Error {
  override readonly name = 'ItemTooLargeError';
}

const isConditionFailure = (error: unknown): boolean => (error as { name?: string }).name === 'ConditionalCheckFailedException';

export class DynamoTable {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly name: string,
  ) {}

  /** One item by its key (strongly consistent: it is read right after another function wrote it). */
  async get(key: TableKey): Promise<Record<string, unknown> | undefined> {
    const response = await this.client.send(
      new GetCommand({ TableName: this.name, Key: { [TABLE.partitionKey]: key.pk, [TABLE.sortKey]: key.sk }, ConsistentRead: true }),
    );
    return response.Item;
  }

  /** Puts the item when `condition` holds; false when it does not. Refuses items over 400 KB in UTF-8 bytes. */
  async put(item: Record<string, unknown>, condition?: Expression): Promise<boolean> {
    const size = itemBytes(item);
    if (size > MAX_ITEM_BYTES) throw new ItemTooLargeError(`item ${String(item.pk)} ${String(item.sk)} is ${size} bytes, over DynamoDB's ${MAX_ITEM_BYTES}`);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.name,
          Item: item,
          ...(condition ? { ConditionExpression: condition.expression } : {}),
          ...(condition?.names ? { ExpressionAttributeNames: condition.names } : {}),
          ...(condition?.values ? { ExpressionAttributeValues: condition.values } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (condition && isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Applies `update` when `condition` holds; false when it does not. Names and values are shared by both. */
  async update(key: TableKey, update: Expression, condition?: Omit<Expression, 'names' | 'values'>): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.name,
          Key: { [TABLE.partitionKey]: key.pk, [TABLE.sortKey]: key.sk },
          UpdateExpression: update.expression,
          ...(condition ? { ConditionExpression: condition.expression } : {}),
          ...(update.names ? { ExpressionAttributeNames: update.names } : {}),
          ...(update.values ? { ExpressionAttributeValues: update.values } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (condition && isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Every item of a partition (following LastEvaluatedKey), optionally only sort keys with a prefix. */
  async query(input: QueryInput): Promise<Record<string, unknown>[]> {
    const pkName = input.index ? TABLE.rankingIndex.partitionKey : TABLE.partitionKey;
    const names: Record<string, string> = { '#pk': pkName, ...input.filter?.names };
    const values: Record<string, unknown> = { ':pk': input.partition, ...input.filter?.values };
    let keyCondition = '#pk = :pk';
    if (input.skBeginsWith !== undefined) {
      if (input.index) throw new Error('the ranking index sorts by a number; it has no prefix condition');
      names['#sk'] = TABLE.sortKey;
      values[':skPrefix'] = input.skBeginsWith;
      keyCondition += ' AND begins_with(#sk, :skPrefix)';
    }
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.name,
          ...(input.index ? { IndexName: TABLE.rankingIndex.name } : {}),
          KeyConditionExpression: keyCondition,
          ...(input.filter ? { FilterExpression: input.filter.expression } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: !input.descending,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
