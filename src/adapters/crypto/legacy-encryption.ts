import { subjectOf } from '../../core/data-subject.js';
import type { EventEnvelope, StreamRef } from '../../core/event.js';
import type { EventStore, StreamCatalog, UniqueClaim } from '../../core/event-store.js';
import type { PersonalDataDeclaration } from '../../core/personal-data.js';
import type { StreamEraser } from '../../core/stream-eraser.js';
import type { SubjectDataKeys } from '../../core/subject-data-keys.js';
import { encryptPiiFields, hasPlaintextFields, type Payload } from './pii-fields.js';

type LegacyStreamOutcome =
  | 'encrypted'
  | 'already-encrypted'
  | 'forgotten'
  | 'without-personal-data'
  | 'unregistered';

export interface LegacyEncryptionReport {
  streams: number;
  encrypted: number;
  alreadyEncrypted: number;
  forgotten: number;
  /** Streams of a type that declares no personal data: left as they are. */
  withoutPersonalData: number;
  /** Streams of a type no module is registered for: not read, and the run is not clean. */
  unregistered: number;
  /** How many streams of each unregistered type were met. */
  unregisteredTypes: Record<string, number>;
  eventsRewritten: number;
  failed: number;
  failures: (StreamRef & { error: unknown })[];
}

/** What the pass knows of one registered stream type. */
export interface LegacyStreamType {
  /** Absent: its events hold no personal data, and its streams are left alone. */
  personalData?: PersonalDataDeclaration;
  /** Its events as stored (not decoded): the pass looks for plaintext. */
  stored: Pick<EventStore, 'readStream'>;
  /** The same events decoded: the claims a stream holds are folded from them. */
  decoded: Pick<EventStore, 'readStream'>;
  /** The rewrites of this type's streams. */
  eraser: StreamEraser;
  /** The plain uniqueness claims a stream holds now (its decider's state), if it has any. */
  heldClaims?: (events: EventEnvelope[]) => UniqueClaim[];
}

export interface LegacyEncryptionOptions {
  /** Every stream of every type in the table. */
  catalog: Pick<StreamCatalog, 'listStreams'>;
  /** Every registered stream type, by `aggregateType`. */
  types: ReadonlyMap<string, LegacyStreamType>;
  keys: SubjectDataKeys;
  /** How a plain claim is stored now (`HashedEmailClaims`); `undefined`: stored as it is. */
  claims: { hashedForm(claim: UniqueClaim): Promise<UniqueClaim | undefined> };
  concurrency?: number;
  onProgress?: (progress: { streams: number; encrypted: number; failed: number }) => void;
}

/**
 * `encrypt-legacy`: encrypts in place every stream written before encryption, each with its
 * subject's own key and its type's declared fields, and moves the plain claims it holds to
 * their hashed keys. Along with forgetting, the only sanctioned rewrite of stored events
 * (docs/privacy.md): events keep their id, type, version, timestamp, metadata and schema
 * version; only their personal fields become ciphertext. Every step is idempotent, so the
 * pass resumes by running again: streams already encrypted are read and left alone. A
 * forgotten subject is never given a key. A stream of a type no module is registered for is
 * counted by type, never passed over in silence.
 */
export const encryptLegacyStreams = async (
  options: LegacyEncryptionOptions,
): Promise<LegacyEncryptionReport> => {
  const report: LegacyEncryptionReport = {
    streams: 0,
    encrypted: 0,
    alreadyEncrypted: 0,
    forgotten: 0,
    withoutPersonalData: 0,
    unregistered: 0,
    unregisteredTypes: {},
    eventsRewritten: 0,
    failed: 0,
    failures: [],
  };
  const concurrency = Math.max(options.concurrency ?? 8, 1);

  const encryptStream = async ({
    aggregateType,
    aggregateId,
  }: StreamRef): Promise<LegacyStreamOutcome> => {
    const type = options.types.get(aggregateType);
    if (!type) return 'unregistered';
    const { personalData } = type;
    if (!personalData) return 'without-personal-data';
    const { fields, erasureEventTypes } = personalData;
    const events = await type.stored.readStream(aggregateId);
    if (events.some((e) => erasureEventTypes.includes(e.eventType))) return 'forgotten';
    const plaintext = events.some((e) => hasPlaintextFields(e.payload, fields));
    if (plaintext) {
      const subjectId = subjectOf(aggregateType, aggregateId);
      const key = await options.keys.getOrCreate(subjectId);
      report.eventsRewritten += await type.eraser.rewritePayloads(aggregateId, (event) =>
        hasPlaintextFields(event.payload, fields)
          ? encryptPiiFields(event.payload as Payload, key, { subjectId, fields })
          : undefined,
      );
      // A plaintext snapshot goes; the next long command takes an encrypted one.
      await type.eraser.deleteSnapshot(aggregateId);
    }
    const held = type.heldClaims?.(await type.decoded.readStream(aggregateId)) ?? [];
    for (const claim of held) {
      const hashed = await options.claims.hashedForm(claim);
      if (hashed) await type.eraser.replaceClaim(aggregateId, claim, hashed);
    }
    return plaintext ? 'encrypted' : 'already-encrypted';
  };

  const count = (stream: StreamRef, outcome: LegacyStreamOutcome): void => {
    switch (outcome) {
      case 'encrypted':
        report.encrypted++;
        break;
      case 'already-encrypted':
        report.alreadyEncrypted++;
        break;
      case 'forgotten':
        report.forgotten++;
        break;
      case 'without-personal-data':
        report.withoutPersonalData++;
        break;
      case 'unregistered':
        report.unregistered++;
        report.unregisteredTypes[stream.aggregateType] =
          (report.unregisteredTypes[stream.aggregateType] ?? 0) + 1;
        break;
      default: {
        const unknown: never = outcome;
        throw new TypeError(`Unknown outcome ${String(unknown)}`);
      }
    }
  };

  for await (const page of options.catalog.listStreams({ pageSize: 100 })) {
    for (let i = 0; i < page.length; i += concurrency) {
      await Promise.all(
        page.slice(i, i + concurrency).map(async (stream) => {
          try {
            count(stream, await encryptStream(stream));
          } catch (error) {
            report.failed++;
            if (report.failures.length < 100) report.failures.push({ ...stream, error });
          }
          report.streams++;
          options.onProgress?.({
            streams: report.streams,
            encrypted: report.encrypted,
            failed: report.failed,
          });
        }),
      );
    }
  }
  return report;
};
