/**
 * The cursors of the read model's lists. Each holds the last sort key a page emitted, which
 * is unique and totally ordered, so every shard of a fanned-out query restarts after it, and
 * a cursor means the same on either table layout (it survives a blue/green switch). Cursors
 * of the first deployment, which held an index's whole start key, are still taken.
 */
import { ValidationError } from '../../core/errors.js';
import { type CursorShape, decodeCursor, encodeCursor } from '../page-cursor.js';
import { emailSortKeyOf, exactEmailSortPrefix } from './customer-view-keys.js';

/** Decodes with the current shape, else the first deployment's; the current one's error wins. */
const decodeEither = <T>(
  cursor: string,
  current: CursorShape,
  read: (key: Record<string, string>) => T,
  earlier: CursorShape,
  readEarlier: (key: Record<string, string>) => T,
): T => {
  try {
    return read(decodeCursor(cursor, current));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    try {
      return readEarlier(decodeCursor(cursor, earlier));
    } catch {
      throw error;
    }
  }
};

/** A status list restarts after this `statusSortKey` (`registrationDate#customerId`). */
export const statusCursor = (status: string, statusSortKey: string): string =>
  encodeCursor({ status, statusSortKey });

export const decodeStatusCursor = (cursor: string, status: string): string =>
  decodeEither(
    cursor,
    { attributes: ['status', 'statusSortKey'], fixed: { status } },
    (key) => key.statusSortKey as string,
    { attributes: ['customerId', 'status', 'statusSortKey'], fixed: { status } },
    (key) => key.statusSortKey as string,
  );

/** An email search or a domain list restarts after this `emailSortKey` (`email#customerId`). */
export const emailCursor = (emailSortKey: string): string => encodeCursor({ emailSortKey });

/**
 * The `emailSortKey` in a cursor of a search whose matches all start with `prefix` (for an
 * exact search, `exactEmailSortPrefix(email)`): a cursor of another search is refused.
 */
export const decodeEmailCursor = (cursor: string, prefix: string): string =>
  decodeEither(
    cursor,
    { attributes: ['emailSortKey'], startsWith: { emailSortKey: prefix } },
    (key) => key.emailSortKey as string,
    { attributes: ['customerId', 'emailBucket', 'emailLower'], startsWith: { emailLower: prefix } },
    (key) => {
      const sortKey = emailSortKeyOf(key.emailLower as string, key.customerId as string);
      // The first deployment had no exact search: its cursor must still fit this one.
      if (!sortKey.startsWith(prefix)) throw new Error('belongs to a different query');
      return sortKey;
    },
  );

export const decodeExactEmailCursor = (cursor: string, emailLower: string): string =>
  decodeEmailCursor(cursor, exactEmailSortPrefix(emailLower));

export const domainCursor = (domain: string, emailSortKey: string): string =>
  encodeCursor({ emailDomain: domain, emailSortKey });

export const decodeDomainCursor = (cursor: string, domain: string): string => {
  const key = decodeCursor(cursor, {
    attributes: ['emailDomain', 'emailSortKey'],
    fixed: { emailDomain: domain },
  });
  return key.emailSortKey as string;
};
