import type { CustomerDataKeys } from '../../core/customer-data-keys.js';
import { isDataKeyForgottenError } from '../../core/data-keys.js';
import type { EventEnvelope } from '../../core/event.js';
import { type EventCodec, FORGOTTEN_MARKER } from '../../core/event-codec.js';
import type { Snapshot } from '../../core/event-store.js';
import { decryptField, encryptField, isEncryptedValue } from './field-cipher.js';
import { decryptPiiFields, encryptPiiFields, PII_FIELDS } from './pii-fields.js';

/**
 * Fields that may hold personal data in stored events: today's PII fields, plus `reason`,
 * the free-text suspension reason of `CustomerSuspended` v1 (streams written before
 * encryption may still hold it, encrypted by `encrypt-legacy` or in plaintext).
 */
export const STORED_PII_FIELDS = [...PII_FIELDS, 'reason'] as const;

/** The snapshot's whole state is one encrypted value under this field name. */
const SNAPSHOT_FIELD = 'snapshot-state';

type Payload = Record<string, unknown>;

/** An event payload (or state) whose fields can be read: a plain object. */
export const isPayload = (value: unknown): value is Payload =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const hasPlaintextPii = (payload: unknown): boolean =>
  isPayload(payload) && PII_FIELDS.some((field) => typeof payload[field] === 'string');

const hasEncryptedPii = (payload: unknown): boolean =>
  isPayload(payload) && STORED_PII_FIELDS.some((field) => isEncryptedValue(payload[field]));

/** Whether a state holds any PII field, at its top or one level down (the suspension note). */
const holdsPersonalData = (state: unknown): boolean =>
  isPayload(state) &&
  Object.entries(state).some(
    ([field, value]) =>
      (STORED_PII_FIELDS as readonly string[]).includes(field) || holdsPersonalData(value),
  );

/** Each encrypted field replaced by the marker: what is left once the key is gone. */
export const forgottenPayload = (payload: Payload): Payload => {
  const result: Payload = { ...payload };
  for (const field of STORED_PII_FIELDS) {
    if (isEncryptedValue(payload[field])) result[field] = FORGOTTEN_MARKER;
  }
  return result;
};

/** Every personal field, encrypted or plaintext, replaced by the marker: an erased stream. */
export const erasedPayload = (payload: unknown): unknown => {
  if (!isPayload(payload)) return payload;
  const result: Payload = { ...payload };
  for (const field of STORED_PII_FIELDS) {
    const value = payload[field];
    if (typeof value === 'string' || isEncryptedValue(value)) result[field] = FORGOTTEN_MARKER;
  }
  return result;
};

export interface CustomerPiiCodecOptions {
  keys: CustomerDataKeys;
}

/**
 * Customer events at rest: `email`, `name`, `oldEmail`, `newEmail` and `note` encrypted with
 * the customer's data key (AES-256-GCM, bound to customer and field); type, version, ids,
 * timestamps, `reasonCode` and metadata stay readable. The key is looked up only for events
 * that carry personal data, so `CustomerReactivated` and `CustomerForgotten` need none.
 */
export class CustomerPiiCodec implements EventCodec {
  constructor(private readonly options: CustomerPiiCodecOptions) {}

  async encode(
    customerId: string,
    events: EventEnvelope[],
    options: { newStream?: boolean } = {},
  ): Promise<EventEnvelope[]> {
    if (!events.some((event) => hasPlaintextPii(event.payload))) return events;
    // The decider refuses every command of a forgotten customer before this point, so a key
    // created here is never one for a customer who asked to be forgotten.
    const key = options.newStream
      ? await this.options.keys.createForNewStream(customerId)
      : await this.options.keys.getOrCreate(customerId);
    return events.map((event) =>
      hasPlaintextPii(event.payload)
        ? { ...event, payload: encryptPiiFields(event.payload as Payload, key, { customerId }) }
        : event,
    );
  }

  async decode(customerId: string, events: EventEnvelope[]): Promise<EventEnvelope[]> {
    if (!events.some((event) => hasEncryptedPii(event.payload))) return events;
    const key = await this.keyOrForgotten(customerId);
    return events.map((event) => {
      if (!hasEncryptedPii(event.payload)) return event;
      const payload = event.payload as Payload;
      return {
        ...event,
        payload: key
          ? decryptPiiFields(payload, key, { customerId, fields: STORED_PII_FIELDS })
          : forgottenPayload(payload),
      };
    });
  }

  async decodeErased(customerId: string, events: EventEnvelope[]): Promise<EventEnvelope[]> {
    this.options.keys.drop(customerId);
    return events.map((event) => ({ ...event, payload: erasedPayload(event.payload) }));
  }

  async encodeSnapshot(customerId: string, snapshot: Snapshot): Promise<Snapshot> {
    // A state without personal data (a forgotten customer's) needs no key: none is made.
    if (isEncryptedValue(snapshot.state) || !holdsPersonalData(snapshot.state)) return snapshot;
    const key = await this.options.keys.getOrCreate(customerId);
    const state = encryptField(key, JSON.stringify(snapshot.state), {
      customerId,
      field: SNAPSHOT_FIELD,
    });
    return { ...snapshot, state };
  }

  async decodeSnapshot(customerId: string, snapshot: Snapshot): Promise<Snapshot | undefined> {
    // A snapshot written before encryption is plaintext and is read as it is.
    if (!isEncryptedValue(snapshot.state)) return snapshot;
    const key = await this.keyOrForgotten(customerId);
    if (!key) return undefined;
    const json = decryptField(key, snapshot.state, { customerId, field: SNAPSHOT_FIELD });
    return { ...snapshot, state: JSON.parse(json) as unknown };
  }

  /** The key, or `undefined` once it was deleted; an unavailable KMS still throws. */
  private async keyOrForgotten(customerId: string): Promise<Uint8Array | undefined> {
    try {
      return await this.options.keys.get(customerId);
    } catch (error) {
      if (isDataKeyForgottenError(error)) return undefined;
      throw error;
    }
  }
}
