import { isDataKeyForgottenError } from '../../core/data-keys.js';
import { subjectOf } from '../../core/data-subject.js';
import type { EventEnvelope } from '../../core/event.js';
import { type EventCodec, FORGOTTEN_MARKER } from '../../core/event-codec.js';
import type { Snapshot } from '../../core/event-store.js';
import type { PersonalDataDeclaration } from '../../core/personal-data.js';
import type { SubjectDataKeys } from '../../core/subject-data-keys.js';
import { decryptField, encryptField, isEncryptedValue } from './field-cipher.js';
import {
  decryptPiiFields,
  encryptPiiFields,
  hasEncryptedFields,
  hasPlaintextFields,
  isPayload,
  type Payload,
  replaceFields,
} from './pii-fields.js';

/** The snapshot's whole state is one encrypted value under this field name. */
const SNAPSHOT_FIELD = 'snapshot-state';

/** Whether a state holds any declared field, at any depth (a nested suspension note). */
const holdsPersonalData = (state: unknown, fields: readonly string[]): boolean =>
  isPayload(state) &&
  Object.entries(state).some(
    ([field, value]) => fields.includes(field) || holdsPersonalData(value, fields),
  );

const isPlaintextOrEncrypted = (value: unknown): boolean =>
  typeof value === 'string' || isEncryptedValue(value);

/** Each encrypted field replaced by the marker: what is left once the key is gone. */
export const forgottenPayload = (payload: Payload, fields: readonly string[]): Payload =>
  replaceFields(payload, fields, isEncryptedValue, FORGOTTEN_MARKER);

/** Every personal field, encrypted or plaintext, replaced by the marker: an erased stream. */
export const erasedPayload = (payload: unknown, fields: readonly string[]): unknown =>
  isPayload(payload)
    ? replaceFields(payload, fields, isPlaintextOrEncrypted, FORGOTTEN_MARKER)
    : payload;

export interface PiiCodecOptions {
  keys: SubjectDataKeys;
  /** The type of the streams this codec encodes: with the id, it names their subject. */
  aggregateType: string;
  personalData: PersonalDataDeclaration;
}

/**
 * Events of one stream type at rest: each declared personal field encrypted with the data
 * key of the stream's subject (`subjectOf`; AES-256-GCM, bound to subject and field); type,
 * version, ids, timestamps, other fields and metadata stay readable. The key is looked up
 * only for events that carry personal data, so an event without any needs none.
 */
export class PiiCodec implements EventCodec {
  private readonly fields: readonly string[];

  constructor(private readonly options: PiiCodecOptions) {
    this.fields = options.personalData.fields;
  }

  async encode(
    aggregateId: string,
    events: EventEnvelope[],
    options: { newStream?: boolean } = {},
  ): Promise<EventEnvelope[]> {
    const { fields } = this;
    if (!events.some((event) => hasPlaintextFields(event.payload, fields))) return events;
    const subjectId = this.subjectOf(aggregateId);
    // The decider refuses every command of a forgotten subject before this point, so a key
    // created here is never one for a subject who asked to be forgotten.
    const key = options.newStream
      ? await this.options.keys.createForNewStream(subjectId)
      : await this.options.keys.getOrCreate(subjectId);
    return events.map((event) =>
      hasPlaintextFields(event.payload, fields)
        ? {
            ...event,
            payload: encryptPiiFields(event.payload as Payload, key, { subjectId, fields }),
          }
        : event,
    );
  }

  async decode(aggregateId: string, events: EventEnvelope[]): Promise<EventEnvelope[]> {
    const { fields } = this;
    if (!events.some((event) => hasEncryptedFields(event.payload, fields))) return events;
    const subjectId = this.subjectOf(aggregateId);
    const key = await this.keyOrForgotten(subjectId);
    return events.map((event) => {
      if (!hasEncryptedFields(event.payload, fields)) return event;
      const payload = event.payload as Payload;
      return {
        ...event,
        payload: key
          ? decryptPiiFields(payload, key, { subjectId, fields })
          : forgottenPayload(payload, fields),
      };
    });
  }

  async decodeErased(aggregateId: string, events: EventEnvelope[]): Promise<EventEnvelope[]> {
    this.options.keys.drop(this.subjectOf(aggregateId));
    return events.map((event) => ({
      ...event,
      payload: erasedPayload(event.payload, this.fields),
    }));
  }

  async encodeSnapshot(aggregateId: string, snapshot: Snapshot): Promise<Snapshot> {
    // A state without personal data (a forgotten subject's) needs no key: none is made.
    if (isEncryptedValue(snapshot.state) || !holdsPersonalData(snapshot.state, this.fields))
      return snapshot;
    const subjectId = this.subjectOf(aggregateId);
    const key = await this.options.keys.getOrCreate(subjectId);
    const state = encryptField(key, JSON.stringify(snapshot.state), {
      subjectId,
      field: SNAPSHOT_FIELD,
    });
    return { ...snapshot, state };
  }

  async decodeSnapshot(aggregateId: string, snapshot: Snapshot): Promise<Snapshot | undefined> {
    // A snapshot written before encryption is plaintext and is read as it is.
    if (!isEncryptedValue(snapshot.state)) return snapshot;
    const subjectId = this.subjectOf(aggregateId);
    const key = await this.keyOrForgotten(subjectId);
    if (!key) return undefined;
    const json = decryptField(key, snapshot.state, { subjectId, field: SNAPSHOT_FIELD });
    return { ...snapshot, state: JSON.parse(json) as unknown };
  }

  private subjectOf(aggregateId: string): string {
    return subjectOf(this.options.aggregateType, aggregateId);
  }

  /** The key, or `undefined` once it was deleted; an unavailable KMS still throws. */
  private async keyOrForgotten(subjectId: string): Promise<Uint8Array | undefined> {
    try {
      return await this.options.keys.get(subjectId);
    } catch (error) {
      if (isDataKeyForgottenError(error)) return undefined;
      throw error;
    }
  }
}
