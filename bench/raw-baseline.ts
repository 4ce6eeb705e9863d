import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { claimKey, commandKey, eventSortKey } from '../src/adapters/dynamodb/event-store-keys.js';

/**
 * The storage floor: the least a hand-written command path must do with the AWS SDK. One
 * strongly consistent Query loads the stream, one conditional PutItem appends the event;
 * no validation, no snapshots, no idempotency record, no email claim.
 */
export class RawSdkBaseline {
  /**
   * With `emailClaims`, the append is the service's storage work done by hand: one
   * TransactWriteItems with the event, the new email's claim and the old one's release.
   * It separates what uniqueness costs in DynamoDB from what the framework adds.
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: {
      emailClaims?: boolean;
      /**
       * The old email's claim is deleted after the transaction commits, in a call of its
       * own, instead of inside it: a claim released late only refuses a newcomer for a
       * moment, where a claim taken late would let two customers hold one email.
       */
      releaseAfterCommit?: boolean;
    } = {},
  ) {}

  /** With `commandId`, the command's record joins the transaction (an idempotency key). */
  async register(
    customerId: string,
    email: string,
    name: string,
    commandId?: string,
  ): Promise<number> {
    const { version } = await this.load(customerId);
    if (version !== 0) throw new Error(`Customer ${customerId} already exists`);
    return this.append(
      customerId,
      version,
      'CustomerRegistered',
      { email, name },
      email,
      undefined,
      commandId,
    );
  }

  async updateEmail(customerId: string, newEmail: string, commandId?: string): Promise<number> {
    const { version, email } = await this.load(customerId);
    if (version === 0 || email === undefined) throw new Error(`No customer ${customerId}`);
    return this.append(
      customerId,
      version,
      'CustomerEmailUpdated',
      { oldEmail: email, newEmail },
      newEmail,
      email,
      commandId,
    );
  }

  private async load(customerId: string): Promise<{ version: number; email?: string }> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': `CUSTOMER#${customerId}` },
        ConsistentRead: true,
      }),
    );
    let email: string | undefined;
    for (const item of Items) {
      const payload = item.payload as { email?: string; newEmail?: string };
      email = payload.newEmail ?? payload.email ?? email;
    }
    return { version: Items.length, ...(email === undefined ? {} : { email }) };
  }

  private async append(
    customerId: string,
    current: number,
    eventType: string,
    payload: Record<string, string>,
    claim: string,
    release?: string,
    commandId?: string,
  ): Promise<number> {
    const version = current + 1;
    const event = {
      TableName: this.tableName,
      Item: {
        PK: `CUSTOMER#${customerId}`,
        SK: eventSortKey(version),
        itemType: 'EVENT',
        eventId: randomUUID(),
        aggregateId: customerId,
        eventType,
        payload,
        timestamp: new Date().toISOString(),
        version,
        metadata: { correlationId: randomUUID(), schemaVersion: 1 },
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    };
    if (!this.options.emailClaims) {
      await this.client.send(new PutCommand(event));
      return version;
    }
    const owned = {
      ConditionExpression: 'attribute_not_exists(PK) OR #owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': customerId },
    };
    const releaseInside = release !== undefined && !this.options.releaseAfterCommit;
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: event },
          ...(commandId === undefined
            ? []
            : [
                {
                  Put: {
                    TableName: this.tableName,
                    Item: {
                      ...commandKey(commandId),
                      itemType: 'COMMAND',
                      aggregateId: customerId,
                      version,
                    },
                    ConditionExpression: 'attribute_not_exists(PK)',
                  },
                },
              ]),
          {
            Put: {
              TableName: this.tableName,
              Item: { ...claimKey('email', claim), itemType: 'UNIQUE', owner: customerId },
              ...owned,
            },
          },
          ...(releaseInside
            ? [
                {
                  Delete: { TableName: this.tableName, Key: claimKey('email', release), ...owned },
                },
              ]
            : []),
        ],
      }),
    );
    if (release !== undefined && !releaseInside) {
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: claimKey('email', release), ...owned }),
      );
    }
    return version;
  }
}
