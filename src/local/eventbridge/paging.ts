import { AwsJsonError } from '../aws-json/aws-json-server.js';

/** The page size List operations answer without a `Limit`, and the most they accept. */
const MAX_LIMIT = 100;

export interface Page<Item> {
  items: Item[];
  nextToken?: string;
}

const byKey =
  <Item>(key: (item: Item) => string) =>
  (a: Item, b: Item): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * One page of `items` in the order of `key`, resuming after the key a previous page ended on, so
 * a token stays meaningful when items are added between calls. Tokens are opaque to callers.
 */
export const page = <Item>(
  items: readonly Item[],
  key: (item: Item) => string,
  request: { Limit?: unknown; NextToken?: unknown },
): Page<Item> => {
  const limit = request.Limit ?? MAX_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new AwsJsonError(
      'ValidationException',
      `1 validation error detected: Value '${String(limit)}' at 'limit' failed to satisfy ` +
        `constraint: Member must have value between 1 and ${MAX_LIMIT}`,
    );
  let after: string | undefined;
  if (request.NextToken !== undefined) {
    try {
      const decoded: unknown = JSON.parse(
        Buffer.from(String(request.NextToken), 'base64url').toString('utf8'),
      );
      if (typeof decoded !== 'object' || decoded === null || !('after' in decoded))
        throw new TypeError('no position');
      after = String(decoded.after);
    } catch (error) {
      throw new AwsJsonError('ValidationException', 'The NextToken is not valid.', 400, {
        cause: error,
      });
    }
  }
  const sorted = [...items].sort(byKey(key));
  const rest = after === undefined ? sorted : sorted.filter((item) => key(item) > after);
  const taken = rest.slice(0, limit);
  const last = taken.at(-1);
  return rest.length > limit && last !== undefined
    ? {
        items: taken,
        nextToken: Buffer.from(JSON.stringify({ after: key(last) })).toString('base64url'),
      }
    : { items: taken };
};
