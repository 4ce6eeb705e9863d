import { ValidationError } from '../core/errors.js';

/** The key a page resumes after; every attribute of our view keys is a string. */
export type PageKey = Record<string, string>;

export interface CursorShape {
  /** Exactly these attributes, each a non-empty string. */
  attributes: readonly string[];
  /** Attributes whose value must equal the query's, so a cursor cannot jump to another query. */
  fixed?: PageKey;
  /** Attributes whose value must start with the given one: DynamoDB refuses a start key
   * outside the key condition's range. */
  startsWith?: PageKey;
}

const MAX_CURSOR_LENGTH = 2048;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export const encodeCursor = (key: PageKey): string =>
  Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

const invalid = (message: string): ValidationError =>
  new ValidationError(`Invalid cursor: ${message}`, { details: [{ field: 'cursor', message }] });

/** The key inside a cursor from `encodeCursor`, or a `ValidationError` on `cursor`. */
export const decodeCursor = (cursor: string, shape: CursorShape): PageKey => {
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor))
    throw invalid('must be a cursor returned by a previous page');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('must be a cursor returned by a previous page');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('must be a cursor returned by a previous page');
  }
  const entries = Object.entries(parsed);
  const wellFormed =
    entries.length === shape.attributes.length &&
    entries.every(
      ([name, value]) =>
        shape.attributes.includes(name) && typeof value === 'string' && value.length > 0,
    );
  if (!wellFormed) throw invalid('must be a cursor returned by a previous page');
  const key = parsed as PageKey;
  for (const [name, value] of Object.entries(shape.fixed ?? {})) {
    if (key[name] !== value) throw invalid('belongs to a different query');
  }
  for (const [name, value] of Object.entries(shape.startsWith ?? {})) {
    if (!key[name]?.startsWith(value)) throw invalid('belongs to a different query');
  }
  return key;
};
