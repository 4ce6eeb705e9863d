import { subjectOf } from '../../core/data-subject.js';
import { FORGOTTEN_MARKER } from '../../core/event-codec.js';
import type { CommandRecordEraser } from '../../core/event-store.js';
import type { PersonalDataDeclaration } from '../../core/personal-data.js';
import type { StreamEraser } from '../../core/stream-eraser.js';
import type { SubjectDataKeys } from '../../core/subject-data-keys.js';
import { isPayload, type Payload, replaceFields } from './pii-fields.js';

export interface ErasureReport {
  /** Idempotency records of the stream's commands deleted by this run. */
  commandRecordsDeleted: number;
  /** Whether this run deleted the data key (false when an earlier run had). */
  keyDeleted: boolean;
  snapshotDeleted: boolean;
  /** Events written before encryption whose plaintext personal fields were replaced by the marker. */
  plaintextEventsErased: number;
}

const isPlaintext = (value: unknown): boolean =>
  typeof value === 'string' && value !== FORGOTTEN_MARKER;

/** A payload with each plaintext field of `fields` replaced by the marker; `undefined` if it has none. */
export const erasePlaintextPii = (
  payload: unknown,
  fields: readonly string[],
): Payload | undefined =>
  isPayload(payload) && fields.some((field) => isPlaintext(payload[field]))
    ? replaceFields(payload, fields, isPlaintext, FORGOTTEN_MARKER)
    : undefined;

export interface PersonalDataErasureOptions {
  /** The type of the streams it erases: with the id, it names the subject whose key goes. */
  aggregateType: string;
  personalData: PersonalDataDeclaration;
  /** Absent when events are not encrypted (then there is no key to delete). */
  keys?: SubjectDataKeys;
  /** The rewrites of this type's streams. */
  eraser: StreamEraser;
  /** The event store, whose idempotency records keep a fingerprint of each request. */
  commands: CommandRecordEraser;
}

/**
 * What follows a recorded erasure event (one of the declaration's `erasureEventTypes`, whose
 * command released its claims in its own transaction): delete the idempotency records of the
 * stream's commands, so a replay confirms nothing (it answers 410); delete the subject's data
 * key, so every encrypted copy anywhere becomes unreadable; delete the snapshot; erase in
 * place the plaintext personal data of events written before encryption. Each step is
 * idempotent, so running it again (a second DELETE) heals a run that crashed between steps.
 */
export class PersonalDataErasure {
  constructor(private readonly options: PersonalDataErasureOptions) {}

  async erase(aggregateId: string): Promise<ErasureReport> {
    const { keys, eraser, commands, aggregateType, personalData } = this.options;
    const commandRecordsDeleted = await commands.deleteCommandRecords(aggregateId);
    const keyDeleted = (await keys?.forget(subjectOf(aggregateType, aggregateId))) ?? false;
    const snapshotDeleted = await eraser.deleteSnapshot(aggregateId);
    const plaintextEventsErased = await eraser.rewritePayloads(aggregateId, (event) =>
      erasePlaintextPii(event.payload, personalData.fields),
    );
    return { commandRecordsDeleted, keyDeleted, snapshotDeleted, plaintextEventsErased };
  }
}
