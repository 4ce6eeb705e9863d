import { Readable } from 'node:stream';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/**
 * What DynamoDB answers instead of the real thing:
 * - `throttle`: HTTP 400 ThrottlingException (the SDK retries it with throttling backoff);
 * - `internal`: HTTP 500 InternalServerError (retried as a transient fault);
 * - `lose-response`: the request reaches DynamoDB and commits, then the answer is an HTTP
 *   500, as when a connection drops after the write: the retry must not write twice.
 */
export type DynamoDBFault = 'throttle' | 'internal' | 'lose-response';

export interface CallRecord {
  operation: string;
  fault: DynamoDBFault | undefined;
  at: number;
}

export interface FaultyDynamoDB {
  /** Client settings whose request handler injects the faults; use them for any client. */
  config: DynamoDBClientConfig;
  /** Decides the fault of each call; `undefined` lets it through. */
  plan: (operation: string, callOfOperation: number) => DynamoDBFault | undefined;
  calls: CallRecord[];
  /** Calls of one operation, faulty or not. */
  count(operation: string): number;
  close(): void;
}

const ERROR_TYPES: Record<Exclude<DynamoDBFault, 'lose-response'>, [number, string, string]> = {
  throttle: [400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.'],
  internal: [500, 'InternalServerError', 'Internal server error'],
};

const errorResponse = (status: number, type: string, message: string) => ({
  response: {
    statusCode: status,
    reason: undefined,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': 'injected-fault',
    },
    body: Readable.from([
      Buffer.from(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message })),
    ]),
  },
});

/**
 * DynamoDB client settings with a request handler that answers chosen calls with real
 * DynamoDB error responses, below the SDK's retry logic: what the SDK, the adapters and
 * the HTTP edge then do is exactly what they would do against a throttled table.
 */
export const faultyDynamoDB = (base: DynamoDBClientConfig): FaultyDynamoDB => {
  const plain = new DynamoDBClient(base);
  const inner = plain.config.requestHandler;
  const perOperation = new Map<string, number>();
  const faulty: FaultyDynamoDB = {
    config: {},
    plan: () => undefined,
    calls: [],
    count: (operation) => perOperation.get(operation) ?? 0,
    close: () => plain.destroy(),
  };
  const requestHandler: typeof inner = {
    handle: async (request, options) => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.indexOf('.') + 1);
      const n = (perOperation.get(operation) ?? 0) + 1;
      perOperation.set(operation, n);
      const fault = faulty.plan(operation, n);
      faulty.calls.push({ operation, fault, at: Date.now() });
      if (fault === undefined) return inner.handle(request, options);
      if (fault === 'lose-response') {
        const { response } = await inner.handle(request, options);
        (response.body as Readable | undefined)?.resume?.();
        return errorResponse(500, 'InternalServerError', 'Internal server error');
      }
      const [status, type, message] = ERROR_TYPES[fault];
      return errorResponse(status, type, message);
    },
  };
  faulty.config = { ...base, requestHandler };
  return faulty;
};
