import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { writeUnits } from '../src/capacity/item-size.js';

/** Calls and consumed capacity of one scope (a command type, a load size, ...). */
export interface CallTally {
  /** Operations that ran in this scope (commands or loads); the denominator of averages. */
  operations: number;
  calls: Record<string, number>;
  /** `ConsumedCapacity.CapacityUnits` as DynamoDB (Local) reports it, by call. */
  reportedCapacity: Record<string, number>;
  /**
   * What AWS on-demand would bill: reads as reported but at least one unit for a strongly
   * consistent read (half for an eventual one); writes from the item sizes, one unit per
   * started KB per item and twice that inside a transaction. DynamoDB Local reports a flat
   * two units for any transaction, so its write figures cannot be used as they are.
   */
  readUnits: number;
  writeUnits: number;
}

interface ConsumedCapacity {
  CapacityUnits?: number;
}

type Input = Record<string, unknown>;
type Item = Record<string, unknown>;

/** Operations whose input accepts `ReturnConsumedCapacity`. */
const WITH_CAPACITY = new Set([
  'QueryCommand',
  'ScanCommand',
  'GetItemCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchGetItemCommand',
  'BatchWriteItemCommand',
  'TransactGetItemsCommand',
  'TransactWriteItemsCommand',
]);
const READS = new Set(['Query', 'Scan', 'GetItem', 'BatchGetItem', 'TransactGetItems']);

const emptyTally = (): CallTally => ({
  operations: 0,
  calls: {},
  reportedCapacity: {},
  readUnits: 0,
  writeUnits: 0,
});

const transactionItemUnits = (entry: Record<string, { Item?: Item } | undefined>): number =>
  entry.Put ? writeUnits(entry.Put.Item) : 1;

/** Billed write units of one write call, from its input. */
const billedWriteUnits = (operation: string, input: Input): number => {
  switch (operation) {
    case 'PutItem':
      return writeUnits(input.Item as Item);
    case 'UpdateItem':
    case 'DeleteItem':
      return 1;
    case 'TransactWriteItems':
      return (
        2 *
        ((input.TransactItems ?? []) as Record<string, { Item?: Item }>[]).reduce(
          (n, entry) => n + transactionItemUnits(entry),
          0,
        )
      );
    case 'BatchWriteItem':
      // A delete request counts one unit: its item's size is not in the request.
      return Object.values((input.RequestItems ?? {}) as Record<string, Item[]>)
        .flat()
        .reduce((n, request) => n + writeUnits((request.PutRequest as { Item?: Item })?.Item), 0);
    default:
      return 0;
  }
};

/**
 * Counts DynamoDB calls and the capacity they consume, per scope, from outside the adapters:
 * a middleware on the client asks every data call for `ReturnConsumedCapacity: TOTAL` and
 * adds up what comes back. The scope travels with the async context, so concurrent commands
 * of different types are told apart.
 */
export class DynamoDBCallCounter {
  private readonly scope = new AsyncLocalStorage<string>();
  private readonly tallies = new Map<string, CallTally>();

  /** Installs the counter on a client (a document client shares its base client's stack). */
  attach(client: DynamoDBClient | DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? 'unknown';
        const input = args.input as Input;
        if (WITH_CAPACITY.has(name) && input.ReturnConsumedCapacity === undefined) {
          input.ReturnConsumedCapacity = 'TOTAL';
        }
        const result = await next(args);
        const scope = this.scope.getStore();
        if (scope !== undefined) this.record(scope, name, input, result.output);
        return result;
      },
      { step: 'initialize', name: 'benchCallCounter', override: true },
    );
  }

  /** Runs `work` as one operation of `scope`; every DynamoDB call it makes is counted there. */
  async run<T>(scope: string, work: () => Promise<T>): Promise<T> {
    this.tally(scope).operations++;
    return this.scope.run(scope, work);
  }

  snapshot(scope: string): CallTally {
    const tally = this.tallies.get(scope) ?? emptyTally();
    return {
      ...tally,
      calls: { ...tally.calls },
      reportedCapacity: { ...tally.reportedCapacity },
    };
  }

  scopes(): string[] {
    return [...this.tallies.keys()];
  }

  reset(): void {
    this.tallies.clear();
  }

  private tally(scope: string): CallTally {
    let tally = this.tallies.get(scope);
    if (!tally) {
      tally = emptyTally();
      this.tallies.set(scope, tally);
    }
    return tally;
  }

  private record(scope: string, commandName: string, input: Input, output: unknown): void {
    const tally = this.tally(scope);
    const operation = commandName.replace(/Command$/, '');
    tally.calls[operation] = (tally.calls[operation] ?? 0) + 1;
    const consumed = (output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
      .ConsumedCapacity;
    let reported = 0;
    for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      reported += entry.CapacityUnits ?? 0;
    }
    tally.reportedCapacity[operation] = (tally.reportedCapacity[operation] ?? 0) + reported;
    if (READS.has(operation)) {
      tally.readUnits += Math.max(reported, input.ConsistentRead === true ? 1 : 0.5);
    } else {
      tally.writeUnits += billedWriteUnits(operation, input);
    }
  }
}

const perOperation = (value: number, tally: CallTally) =>
  tally.operations === 0 ? 0 : value / tally.operations;

/** Calls per operation of a tally, e.g. `{ Query: 1, TransactWriteItems: 1 }`. */
export const callsPerOperation = (tally: CallTally): Record<string, number> =>
  Object.fromEntries(
    Object.entries(tally.calls).map(([name, count]) => [name, perOperation(count, tally)]),
  );

export const totalCallsPerOperation = (tally: CallTally): number =>
  perOperation(
    Object.values(tally.calls).reduce((n, count) => n + count, 0),
    tally,
  );

export const unitsPerOperation = (tally: CallTally) => ({
  read: perOperation(tally.readUnits, tally),
  write: perOperation(tally.writeUnits, tally),
});
