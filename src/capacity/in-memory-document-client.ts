import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { TableDefinition } from '../adapters/dynamodb/table-definitions.js';

export type Item = Record<string, unknown>;

/** One item written: the image before and after, as DynamoDB applies it. */
export interface RecordedWrite {
  tableName: string;
  operation: 'PutItem' | 'DeleteItem' | 'UpdateItem' | 'ConditionCheck';
  transactional: boolean;
  partitionKey: string;
  before: Item | undefined;
  after: Item | undefined;
}

/** One read call and the items it returned. */
export interface RecordedRead {
  tableName: string;
  operation: 'GetItem' | 'Query' | 'BatchGetItem';
  consistent: boolean;
  items: Item[];
}

export interface CallListener {
  write(write: RecordedWrite): void;
  read(read: RecordedRead): void;
  call(operation: string): void;
}

/** A key condition as the adapters write them: `pk = :v [AND sk op :v | BETWEEN | begins_with]`. */
const keyCondition = (
  expression: string,
  names: Record<string, string>,
  values: Record<string, unknown>,
): ((item: Item) => boolean) => {
  const name = (token: string) => names[token] ?? token;
  const value = (token: string) => values[token];
  const [pkPart, ...rest] = expression.split(/\s+AND\s+(?![^(]*\))/i);
  const pk = /^\s*(\S+)\s*=\s*(:\w+)\s*$/.exec(pkPart ?? '');
  if (!pk?.[1] || !pk[2]) throw new TypeError(`Unsupported key condition: ${expression}`);
  const pkName = name(pk[1]);
  const pkValue = value(pk[2]);
  const sortPart = rest.join(' AND ').trim();
  let sortTest: (item: Item) => boolean = () => true;
  if (sortPart) {
    const between = /^(\S+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+)$/i.exec(sortPart);
    const prefix = /^begins_with\(\s*(\S+)\s*,\s*(:\w+)\s*\)$/i.exec(sortPart);
    const compare = /^(\S+)\s*(<=|>=|<|>|=)\s*(:\w+)$/.exec(sortPart);
    if (between?.[1] && between[2] && between[3]) {
      const sk = name(between[1]);
      const [low, high] = [value(between[2]) as string, value(between[3]) as string];
      sortTest = (item) => (item[sk] as string) >= low && (item[sk] as string) <= high;
    } else if (prefix?.[1] && prefix[2]) {
      const [sk, start] = [name(prefix[1]), String(value(prefix[2]))];
      sortTest = (item) => String(item[sk]).startsWith(start);
    } else if (compare?.[1] && compare[2] && compare[3]) {
      const [sk, op, bound] = [name(compare[1]), compare[2], value(compare[3]) as string];
      sortTest = (item) => {
        const v = item[sk] as string;
        if (v === undefined) return false;
        return op === '<='
          ? v <= bound
          : op === '>='
            ? v >= bound
            : op === '<'
              ? v < bound
              : op === '>'
                ? v > bound
                : v === bound;
      };
    } else {
      throw new TypeError(`Unsupported key condition: ${expression}`);
    }
  }
  return (item) => item[pkName] === pkValue && sortTest(item);
};

/** `SET a = :a, #b = :b` and `REMOVE c`: the update forms a rewrite uses. */
const applyUpdate = (
  item: Item,
  expression: string,
  names: Record<string, string>,
  values: Record<string, unknown>,
): Item => {
  const next = { ...item };
  for (const clause of expression.split(/\s+(?=SET\s|REMOVE\s)/i)) {
    const [verb, ...body] = clause.trim().split(/\s+/);
    const parts = body.join(' ').split(',');
    for (const part of parts) {
      if (verb?.toUpperCase() === 'SET') {
        const [path, token] = part.split('=').map((s) => s.trim());
        if (path && token) next[names[path] ?? path] = values[token];
      } else if (verb?.toUpperCase() === 'REMOVE') {
        const path = part.trim();
        delete next[names[path] ?? path];
      }
    }
  }
  return next;
};

/**
 * A DynamoDB document client held in memory, for replaying the service's own adapters: it
 * stores what they write, answers their reads from it, and reports every item written (with
 * its image before and after) and every item read. Conditions are not evaluated: the replay
 * runs commands one after another, so every condition the adapters write holds.
 */
export class InMemoryDocumentClient {
  /** Table → partition-key value → item key → item. */
  private readonly tables = new Map<string, Map<string, Map<string, Item>>>();

  constructor(
    private readonly definitions: Record<string, TableDefinition>,
    private readonly listener?: CallListener,
  ) {}

  /** The client, typed as the adapters take it. */
  asDocumentClient(): DynamoDBDocumentClient {
    return this as unknown as DynamoDBDocumentClient;
  }

  /** Every item of a table (for the spread of index keys). */
  items(tableName: string): Item[] {
    return [...(this.tables.get(tableName)?.values() ?? [])].flatMap((p) => [...p.values()]);
  }

  definition(tableName: string): TableDefinition {
    const definition = this.definitions[tableName];
    if (!definition) throw new TypeError(`No table definition for ${tableName}`);
    return definition;
  }

  /** Stores an item without recording it: the population that exists before the replay. */
  seed(tableName: string, item: Item): void {
    this.partition(tableName, item).set(this.keyOf(tableName, item), item);
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof GetCommand) {
      const { TableName, Key, ConsistentRead } = command.input;
      this.listener?.call('GetItem');
      const item = this.get(TableName as string, Key as Item);
      this.listener?.read({
        tableName: TableName as string,
        operation: 'GetItem',
        consistent: ConsistentRead === true,
        items: item ? [item] : [],
      });
      return { Item: item };
    }
    if (command instanceof PutCommand) {
      const { TableName, Item } = command.input;
      this.listener?.call('PutItem');
      this.put(TableName as string, Item as Item, false);
      return {};
    }
    if (command instanceof DeleteCommand) {
      const { TableName, Key } = command.input;
      this.listener?.call('DeleteItem');
      this.delete(TableName as string, Key as Item, false);
      return {};
    }
    if (command instanceof UpdateCommand) {
      const input = command.input;
      this.listener?.call('UpdateItem');
      const tableName = input.TableName as string;
      const before = this.get(tableName, input.Key as Item) ?? { ...(input.Key as Item) };
      const after = applyUpdate(
        before,
        input.UpdateExpression ?? '',
        (input.ExpressionAttributeNames ?? {}) as Record<string, string>,
        (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>,
      );
      this.store(tableName, after, 'UpdateItem', false);
      return {};
    }
    if (command instanceof TransactWriteCommand) {
      this.listener?.call('TransactWriteItems');
      for (const entry of command.input.TransactItems ?? []) {
        if (entry.Put) this.put(entry.Put.TableName as string, entry.Put.Item as Item, true);
        if (entry.Delete)
          this.delete(entry.Delete.TableName as string, entry.Delete.Key as Item, true);
        if (entry.ConditionCheck) {
          const tableName = entry.ConditionCheck.TableName as string;
          const key = entry.ConditionCheck.Key as Item;
          const item = this.get(tableName, key);
          this.record(tableName, 'ConditionCheck', true, key, item, item);
        }
        if (entry.Update) throw new TypeError('Transactional updates are not replayed');
      }
      return {};
    }
    if (command instanceof QueryCommand) {
      const input = command.input;
      this.listener?.call('Query');
      const tableName = input.TableName as string;
      const matches = keyCondition(
        input.KeyConditionExpression ?? '',
        (input.ExpressionAttributeNames ?? {}) as Record<string, string>,
        (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>,
      );
      const definition = this.definition(tableName);
      const index = definition.globalSecondaryIndexes.find((i) => i.indexName === input.IndexName);
      const sortKey = (index ? index.sortKey : definition.sortKey)?.name;
      const pkValue = this.queriedPartition(input);
      const candidates =
        index || pkValue === undefined
          ? this.items(tableName)
          : [...(this.tables.get(tableName)?.get(pkValue)?.values() ?? [])];
      const found = candidates.filter(matches).sort((a, b) => {
        const [x, y] = [String(a[sortKey ?? ''] ?? ''), String(b[sortKey ?? ''] ?? '')];
        return x < y ? -1 : x > y ? 1 : 0;
      });
      if (input.ScanIndexForward === false) found.reverse();
      const limit = input.Limit ?? found.length;
      const page = found.slice(0, limit);
      this.listener?.read({
        tableName,
        operation: 'Query',
        consistent: input.ConsistentRead === true,
        items: page,
      });
      const last = page.at(-1);
      return {
        Items: page,
        ...(found.length > limit && last
          ? { LastEvaluatedKey: this.keyAttributes(tableName, last) }
          : {}),
      };
    }
    if (command instanceof BatchGetCommand) {
      this.listener?.call('BatchGetItem');
      const responses: Record<string, Item[]> = {};
      for (const [tableName, request] of Object.entries(command.input.RequestItems ?? {})) {
        const items = (request.Keys ?? [])
          .map((key) => this.get(tableName, key as Item))
          .filter((item): item is Item => item !== undefined);
        responses[tableName] = items;
        this.listener?.read({
          tableName,
          operation: 'BatchGetItem',
          consistent: request.ConsistentRead === true,
          items,
        });
      }
      return { Responses: responses, UnprocessedKeys: {} };
    }
    throw new TypeError(`Not replayed in memory: ${(command as object).constructor.name}`);
  }

  /** The partition a table query names (`PK = :pk`), to read it alone. */
  private queriedPartition(input: QueryCommand['input']): string | undefined {
    const match = /^\s*(\S+)\s*=\s*(:\w+)/.exec(input.KeyConditionExpression ?? '');
    if (!match?.[2]) return undefined;
    const value = input.ExpressionAttributeValues?.[match[2]];
    return value === undefined ? undefined : String(value);
  }

  private partition(tableName: string, key: Item): Map<string, Item> {
    let table = this.tables.get(tableName);
    if (!table) {
      table = new Map();
      this.tables.set(tableName, table);
    }
    const pk = String(key[this.definition(tableName).partitionKey.name]);
    let partition = table.get(pk);
    if (!partition) {
      partition = new Map();
      table.set(pk, partition);
    }
    return partition;
  }

  private keyAttributes(tableName: string, item: Item): Item {
    const { partitionKey, sortKey } = this.definition(tableName);
    return {
      [partitionKey.name]: item[partitionKey.name],
      ...(sortKey ? { [sortKey.name]: item[sortKey.name] } : {}),
    };
  }

  private keyOf(tableName: string, key: Item): string {
    const { partitionKey, sortKey } = this.definition(tableName);
    return `${String(key[partitionKey.name])}\u0000${sortKey ? String(key[sortKey.name]) : ''}`;
  }

  private get(tableName: string, key: Item): Item | undefined {
    const pk = String(key[this.definition(tableName).partitionKey.name]);
    return this.tables.get(tableName)?.get(pk)?.get(this.keyOf(tableName, key));
  }

  private put(tableName: string, item: Item, transactional: boolean): void {
    this.store(tableName, item, 'PutItem', transactional);
  }

  private store(
    tableName: string,
    item: Item,
    operation: RecordedWrite['operation'],
    transactional: boolean,
  ): void {
    const key = this.keyOf(tableName, item);
    const partition = this.partition(tableName, item);
    const before = partition.get(key);
    partition.set(key, item);
    this.record(tableName, operation, transactional, item, before, item);
  }

  private delete(tableName: string, key: Item, transactional: boolean): void {
    const id = this.keyOf(tableName, key);
    const partition = this.partition(tableName, key);
    const before = partition.get(id);
    partition.delete(id);
    this.record(tableName, 'DeleteItem', transactional, key, before, undefined);
  }

  private record(
    tableName: string,
    operation: RecordedWrite['operation'],
    transactional: boolean,
    key: Item,
    before: Item | undefined,
    after: Item | undefined,
  ): void {
    const partitionKey = String(key[this.definition(tableName).partitionKey.name]);
    this.listener?.write({ tableName, operation, transactional, partitionKey, before, after });
  }
}
