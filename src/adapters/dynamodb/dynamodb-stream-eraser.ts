import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { UniquenessError } from '../../core/errors.js';
import type { EventEnvelope } from '../../core/event.js';
import type { UniqueClaim } from '../../core/event-store.js';
import type { StreamEraser } from '../../core/stream-eraser.js';
import { cancellationReasons, rethrowTransient } from './dynamodb-errors.js';
import { DynamoDBEventStore } from './dynamodb-event-store.js';
import {
  claimKey,
  eventSortKey,
  ITEM_TYPE,
  SNAPSHOT_SORT_KEY,
  streamKey,
} from './event-store-keys.js';

export interface DynamoDBStreamEraserOptions {
  client: DynamoDBDocumentClient;
  /** The event store table. */
  tableName: string;
  streamPrefix?: string;
}

/** The sanctioned rewrites of stored events, on the event store table. */
export class DynamoDBStreamEraser implements StreamEraser {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly prefix: string;
  private readonly stored: DynamoDBEventStore;

  constructor(options: DynamoDBStreamEraserOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.prefix = options.streamPrefix ?? 'CUSTOMER';
    this.stored = new DynamoDBEventStore(options);
  }

  async deleteSnapshot(aggregateId: string): Promise<boolean> {
    try {
      const { Attributes } = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { PK: streamKey(this.prefix, aggregateId), SK: SNAPSHOT_SORT_KEY },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes !== undefined;
    } catch (error) {
      return rethrowTransient(error, 'DeleteItem');
    }
  }

  async rewritePayloads(
    aggregateId: string,
    rewrite: (envelope: EventEnvelope) => unknown | undefined,
  ): Promise<number> {
    let rewritten = 0;
    // The events as stored, paged by the store itself; keys follow from the version.
    for (const event of await this.stored.readStream(aggregateId)) {
      const payload = rewrite(event);
      if (payload === undefined) continue;
      await this.client
        .send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { PK: streamKey(this.prefix, aggregateId), SK: eventSortKey(event.version) },
            UpdateExpression: 'SET payload = :payload',
            // The same event, not one that replaced it (events are never replaced).
            ConditionExpression: 'eventId = :eventId',
            ExpressionAttributeValues: { ':payload': payload, ':eventId': event.eventId },
          }),
        )
        .catch((error: unknown) => rethrowTransient(error, 'UpdateItem'));
      rewritten++;
    }
    return rewritten;
  }

  async replaceClaim(aggregateId: string, from: UniqueClaim, to: UniqueClaim): Promise<void> {
    const owned = {
      ConditionExpression: 'attribute_not_exists(PK) OR #owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': aggregateId },
    };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...claimKey(to.scope, to.value),
                  itemType: ITEM_TYPE.claim,
                  owner: aggregateId,
                },
                ...owned,
              },
            },
            {
              Delete: {
                TableName: this.tableName,
                Key: claimKey(from.scope, from.value),
                ...owned,
              },
            },
          ],
        }),
      );
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) return rethrowTransient(error, 'TransactWriteItems');
      if (reasons.some((r) => r.Code === 'ConditionalCheckFailed'))
        throw new UniquenessError(to.scope, to.value, { cause: error });
      return rethrowTransient(error, 'TransactWriteItems');
    }
  }
}
