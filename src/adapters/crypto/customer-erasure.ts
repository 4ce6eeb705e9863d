import type { CustomerDataKeys } from '../../core/customer-data-keys.js';
import { FORGOTTEN_MARKER } from '../../core/event-codec.js';
import type { CommandRecordEraser } from '../../core/event-store.js';
import type { StreamEraser } from '../../core/stream-eraser.js';
import { isPayload, STORED_PII_FIELDS } from './customer-pii-codec.js';

export interface ErasureReport {
  /** Idempotency records of the customer's commands deleted by this run. */
  commandRecordsDeleted: number;
  /** Whether this run deleted the data key (false when an earlier run had). */
  keyDeleted: boolean;
  snapshotDeleted: boolean;
  /** Events written before encryption whose plaintext PII fields were replaced by the marker. */
  plaintextEventsErased: number;
}

type Payload = Record<string, unknown>;

/** A payload with every plaintext PII field replaced by the marker; `undefined` if it has none. */
export const erasePlaintextPii = (payload: unknown): Payload | undefined => {
  if (!isPayload(payload)) return undefined;
  let changed = false;
  const result: Payload = { ...payload };
  for (const field of STORED_PII_FIELDS) {
    const value = payload[field];
    if (typeof value === 'string' && value !== FORGOTTEN_MARKER) {
      result[field] = FORGOTTEN_MARKER;
      changed = true;
    }
  }
  return changed ? result : undefined;
};

export interface CustomerErasureOptions {
  /** Absent when events are not encrypted (then there is no key to delete). */
  keys?: CustomerDataKeys;
  eraser: StreamEraser;
  /** The event store, whose idempotency records keep a fingerprint of each request. */
  commands: CommandRecordEraser;
}

/**
 * What follows a recorded `CustomerForgotten` (which released the email claim in its own
 * transaction): delete the idempotency records of the customer's commands, so a replay
 * confirms nothing (it answers 410); delete the data key, so every encrypted copy anywhere
 * becomes unreadable; delete the snapshot; erase in place the plaintext PII of events written
 * before encryption. Each step is idempotent, so running it again (a second DELETE) heals a
 * run that crashed between steps.
 */
export class CustomerErasure {
  constructor(private readonly options: CustomerErasureOptions) {}

  async erase(customerId: string): Promise<ErasureReport> {
    const commandRecordsDeleted = await this.options.commands.deleteCommandRecords(customerId);
    const keyDeleted = (await this.options.keys?.forget(customerId)) ?? false;
    const snapshotDeleted = await this.options.eraser.deleteSnapshot(customerId);
    const plaintextEventsErased = await this.options.eraser.rewritePayloads(customerId, (event) =>
      erasePlaintextPii(event.payload),
    );
    return { commandRecordsDeleted, keyDeleted, snapshotDeleted, plaintextEventsErased };
  }
}
