import { createHash } from 'node:crypto';
import type { CommandInputContext } from '../aggregate-commands.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A customer id derived from an idempotency key, so that a retried registration without an
 * explicit id lands on the same customer instead of creating a second one.
 */
export const customerIdForKey = (commandId: string): string => {
  const h = sha256(`customer:${commandId}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/** A registration without an id gets one: derived from its idempotency key, else new. */
export const withCustomerId = (input: unknown, context: CommandInputContext): unknown => {
  if (typeof input !== 'object' || input === null) return input;
  const { type, data } = input as { type?: unknown; data?: unknown };
  if (type !== 'RegisterCustomer' || typeof data !== 'object' || data === null) return input;
  if ((data as { customerId?: unknown }).customerId !== undefined) return input;
  const customerId =
    context.commandId === undefined ? context.newId() : customerIdForKey(context.commandId);
  return { type, data: { customerId, ...data } };
};
