import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { RecordedCall } from '../support/aws-call-recorder.js';

/** What an IAM request names, in the names the call used (local tables, queues, keys). */
export type ResourceRef =
  | { kind: 'table'; table: string; index?: string }
  | { kind: 'stream'; table: string }
  | { kind: 'queue'; queue: string }
  | { kind: 'bus'; bus: string }
  | { kind: 'rule'; bus: string; rule: string }
  | { kind: 'archive'; archive: string }
  | { kind: 'replay'; replay: string }
  | { kind: 'key'; key: string }
  | { kind: 'any' };

/** One authorisation AWS makes for a call: a call may need several (a transaction, a batch). */
export interface IamRequest {
  caller: string;
  /** The SDK operation that needed it, for messages. */
  operation: string;
  action: string;
  resource: ResourceRef;
  /** Condition keys the request carries (`kms:EncryptionContext:customerId`, `events:source`). */
  context: Record<string, string | string[]>;
  /**
   * DynamoDB: the key attributes of every item the request touches, marshalled, so that
   * `dynamodb:LeadingKeys` can be read once the table's partition key is known.
   */
  keys?: Record<string, AttributeValue>[];
}

/** A call of a shape this table does not know: extend `iamRequestsOf` for it. */
export class UnmappedCallError extends Error {
  constructor(call: RecordedCall) {
    super(`No IAM mapping for ${call.client} ${call.operation} (made by ${call.caller})`);
    this.name = 'UnmappedCallError';
  }
}

type Input = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

const lastSegment = (value: string): string => value.slice(value.lastIndexOf('/') + 1);
/** `table/<name>/stream/<label>` of a stream ARN, or `table/<name>` of a table ARN. */
const tableOfArn = (arn: string): string => arn.split(':table/')[1]?.split('/')[0] ?? arn;
/** A key's id from a key ARN or a bare id; an alias stays what it is. */
export const keyIdOf = (keyId: string): string =>
  keyId.includes(':key/') ? lastSegment(keyId) : keyId;
/** The name of an EventBridge bus given by name or ARN; absent means the default bus. */
const busOf = (name: unknown): string =>
  typeof name === 'string' && name !== '' ? lastSegment(name) : 'default';

/** The attributes a key condition fixes with `=`, as an item of those attributes. */
const keyConditionItem = (input: Input): Item => {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Item;
  const item: Item = {};
  const expression = String(input.KeyConditionExpression ?? '');
  for (const [, name, value] of expression.matchAll(/([#\w.]+)\s*=\s*(:\w+)/g)) {
    const attribute = name?.startsWith('#') ? names[name] : name;
    const given = value ? values[value] : undefined;
    if (attribute && given) item[attribute] = given;
  }
  return item;
};

const kmsContext = (input: Input): Record<string, string | string[]> => {
  const context = (input.EncryptionContext ?? {}) as Record<string, string>;
  return {
    ...Object.fromEntries(
      Object.entries(context).map(([key, value]) => [`kms:EncryptionContext:${key}`, value]),
    ),
    ...(Object.keys(context).length > 0
      ? { 'kms:EncryptionContextKeys': Object.keys(context) }
      : {}),
  };
};

/** DynamoDB transactions are authorised per item, as the single-item action. */
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

const dynamodb = (call: RecordedCall, base: Omit<IamRequest, 'action' | 'resource'>) => {
  const input = call.input;
  const table = (name: unknown, index?: unknown): ResourceRef => ({
    kind: 'table',
    table: String(name),
    ...(typeof index === 'string' ? { index } : {}),
  });
  switch (call.operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.entries(input.RequestItems as Record<string, unknown>).map(
        ([name, requests]) => ({
          ...base,
          action: `dynamodb:${call.operation}`,
          resource: table(name),
          keys:
            call.operation === 'BatchGetItem'
              ? ((requests as { Keys: Item[] }).Keys ?? [])
              : (requests as { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]).map(
                  (request) => request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {},
                ),
        }),
      );
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return (input.TransactItems as Record<string, Input>[]).map((entry) => {
        const [kind, request] = Object.entries(entry)[0] as [string, Input];
        const action = TRANSACT_ACTIONS[kind];
        if (!action) throw new UnmappedCallError(call);
        return {
          ...base,
          action,
          resource: table(request.TableName),
          keys: [(request.Item ?? request.Key ?? {}) as Item],
        };
      });
    case 'Query':
      return [
        {
          ...base,
          action: 'dynamodb:Query',
          resource: table(input.TableName, input.IndexName),
          keys: [keyConditionItem(input)],
        },
      ];
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [
        {
          ...base,
          action: `dynamodb:${call.operation}`,
          resource: table(input.TableName),
          keys: [(input.Item ?? input.Key) as Item],
        },
      ];
    case 'Scan':
    case 'DescribeTable':
    case 'CreateTable':
    case 'DeleteTable':
    case 'UpdateTable':
    case 'DescribeTimeToLive':
    case 'UpdateTimeToLive':
      return [
        {
          ...base,
          action: `dynamodb:${call.operation}`,
          resource: table(input.TableName, input.IndexName),
        },
      ];
    default:
      throw new UnmappedCallError(call);
  }
};

/**
 * The IAM requests behind one recorded call: action, resource and condition keys as AWS
 * documents them for each service (Service Authorization Reference). `iterators` maps
 * DynamoDB stream shard iterators to their stream's table, learned from earlier calls.
 */
export const iamRequestsOf = (call: RecordedCall, iterators: Map<string, string>): IamRequest[] => {
  const base = { caller: call.caller, operation: call.operation, context: {} };
  const input = call.input;
  const one = (action: string, resource: ResourceRef, context = {}): IamRequest[] => [
    { ...base, action, resource, context },
  ];
  switch (call.client) {
    case 'DynamoDBClient':
      return dynamodb(call, base);
    case 'DynamoDBStreamsClient': {
      const learn = (iterator: unknown, table: string) => {
        if (typeof iterator === 'string') iterators.set(iterator, table);
      };
      if (call.operation === 'ListStreams') return one('dynamodb:ListStreams', { kind: 'any' });
      if (call.operation === 'GetRecords') {
        const table = iterators.get(String(input.ShardIterator));
        if (!table) throw new Error(`GetRecords on an iterator no recorded call handed out`);
        learn(call.output?.NextShardIterator, table);
        return one('dynamodb:GetRecords', { kind: 'stream', table });
      }
      if (call.operation === 'DescribeStream' || call.operation === 'GetShardIterator') {
        const table = tableOfArn(String(input.StreamArn));
        learn(call.output?.ShardIterator, table);
        return one(`dynamodb:${call.operation}`, { kind: 'stream', table });
      }
      throw new UnmappedCallError(call);
    }
    case 'SQSClient': {
      const queue = { kind: 'queue' as const, queue: lastSegment(String(input.QueueUrl)) };
      // The batch forms are authorised as the single action.
      const action = call.operation.replace(/Batch$/, '');
      const known = [
        'SendMessage',
        'ReceiveMessage',
        'DeleteMessage',
        'ChangeMessageVisibility',
        'GetQueueAttributes',
        'PurgeQueue',
      ];
      if (known.includes(action)) return one(`sqs:${action}`, queue);
      if (call.operation === 'GetQueueUrl') {
        return one('sqs:GetQueueUrl', { kind: 'queue', queue: String(input.QueueName) });
      }
      throw new UnmappedCallError(call);
    }
    case 'EventBridgeClient': {
      if (call.operation === 'PutEvents') {
        const entries = input.Entries as { EventBusName?: string; Source?: string }[];
        const buses = [...new Set(entries.map((entry) => busOf(entry.EventBusName)))];
        return buses.flatMap((bus) => {
          const onBus = entries.filter((entry) => busOf(entry.EventBusName) === bus);
          return one(
            'events:PutEvents',
            { kind: 'bus', bus },
            {
              'events:source': [...new Set(onBus.map((entry) => String(entry.Source)))],
            },
          );
        });
      }
      if (call.operation === 'DescribeEventBus') {
        return one('events:DescribeEventBus', { kind: 'bus', bus: busOf(input.Name) });
      }
      if (call.operation === 'DescribeRule') {
        const rule = {
          kind: 'rule' as const,
          bus: busOf(input.EventBusName),
          rule: String(input.Name),
        };
        return one('events:DescribeRule', rule);
      }
      if (call.operation === 'DescribeArchive') {
        return one('events:DescribeArchive', {
          kind: 'archive',
          archive: String(input.ArchiveName),
        });
      }
      if (call.operation === 'StartReplay') {
        return [
          ...one('events:StartReplay', { kind: 'replay', replay: String(input.ReplayName) }),
          ...one('events:StartReplay', {
            kind: 'archive',
            archive: lastSegment(String(input.EventSourceArn)),
          }),
        ];
      }
      if (call.operation === 'DescribeReplay') {
        return one('events:DescribeReplay', { kind: 'replay', replay: String(input.ReplayName) });
      }
      throw new UnmappedCallError(call);
    }
    case 'KMSClient': {
      // Decrypt may name no key: the ciphertext does, and the answer says which it was.
      const keyId = String(input.KeyId ?? call.output?.KeyId ?? '');
      if (!keyId) throw new Error(`${call.operation} by ${call.caller} names no key`);
      return one(`kms:${call.operation}`, { kind: 'key', key: keyIdOf(keyId) }, kmsContext(input));
    }
    case 'CloudWatchClient':
      // GetMetricData and the other reads support no resource-level permissions.
      return one(`cloudwatch:${call.operation}`, { kind: 'any' });
    default:
      throw new UnmappedCallError(call);
  }
};
