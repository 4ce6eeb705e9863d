import type { CustomerDataKeys } from '../../core/customer-data-keys.js';
import type { EmailClaimHasher } from '../../core/data-keys.js';
import type { EventEnvelope } from '../../core/event.js';
import type { EventStore, StreamCatalog } from '../../core/event-store.js';
import type { StreamEraser } from '../../core/stream-eraser.js';
import { EMAIL_SCOPE, normaliseEmail } from '../../domain/customer/index.js';
import { isPayload, STORED_PII_FIELDS } from './customer-pii-codec.js';
import { HASHED_EMAIL_SCOPE } from './hashed-email-claims.js';
import { encryptPiiFields } from './pii-fields.js';

type Payload = Record<string, unknown>;

type LegacyStreamOutcome = 'encrypted' | 'already-encrypted' | 'forgotten';

export interface LegacyEncryptionReport {
  streams: number;
  encrypted: number;
  alreadyEncrypted: number;
  forgotten: number;
  eventsRewritten: number;
  failed: number;
  failures: { aggregateId: string; error: unknown }[];
}

export interface LegacyEncryptionOptions {
  catalog: StreamCatalog;
  /** The events as stored (not decoded): the pass looks for plaintext. */
  stored: Pick<EventStore, 'readStream'>;
  /** The same store, decoded: the current email is read through it. */
  decoded: Pick<EventStore, 'readStream'>;
  eraser: StreamEraser;
  keys: CustomerDataKeys;
  hasher: EmailClaimHasher;
  /** The fold that gives a stream's current email, if any (the decider's state). */
  currentEmail: (events: EventEnvelope[]) => string | undefined;
  concurrency?: number;
  onProgress?: (progress: { streams: number; encrypted: number; failed: number }) => void;
}

const hasPlaintextPii = (payload: unknown): boolean =>
  isPayload(payload) && STORED_PII_FIELDS.some((field) => typeof payload[field] === 'string');

/**
 * `encrypt-legacy`: encrypts in place every stream written before encryption, with its
 * customer's own key, and replaces its plaintext email claim by the keyed-hash one. Along
 * with forgetting, the only sanctioned rewrite of stored events (docs/privacy.md): events
 * keep their id, type, version, timestamp, metadata and schema version; only their PII
 * fields become ciphertext. Every step is idempotent, so the pass resumes by running again:
 * streams already encrypted are read and left alone. A forgotten customer is never given a
 * key.
 */
export const encryptLegacyStreams = async (
  options: LegacyEncryptionOptions,
): Promise<LegacyEncryptionReport> => {
  const report: LegacyEncryptionReport = {
    streams: 0,
    encrypted: 0,
    alreadyEncrypted: 0,
    forgotten: 0,
    eventsRewritten: 0,
    failed: 0,
    failures: [],
  };
  const concurrency = Math.max(options.concurrency ?? 8, 1);

  const encryptStream = async (aggregateId: string): Promise<LegacyStreamOutcome> => {
    const events = await options.stored.readStream(aggregateId);
    if (events.some((e) => e.eventType === 'CustomerForgotten')) return 'forgotten';
    const plaintext = events.some((e) => hasPlaintextPii(e.payload));
    if (plaintext) {
      const key = await options.keys.getOrCreate(aggregateId);
      report.eventsRewritten += await options.eraser.rewritePayloads(aggregateId, (event) =>
        hasPlaintextPii(event.payload)
          ? encryptPiiFields(event.payload as Payload, key, {
              customerId: aggregateId,
              fields: STORED_PII_FIELDS,
            })
          : undefined,
      );
      // A plaintext snapshot goes; the next long command takes an encrypted one.
      await options.eraser.deleteSnapshot(aggregateId);
    }
    const email = options.currentEmail(await options.decoded.readStream(aggregateId));
    if (email !== undefined) {
      await options.eraser.replaceClaim(
        aggregateId,
        { scope: EMAIL_SCOPE, value: normaliseEmail(email) },
        { scope: HASHED_EMAIL_SCOPE, value: await options.hasher.hash(email) },
      );
    }
    return plaintext ? 'encrypted' : 'already-encrypted';
  };

  for await (const page of options.catalog.listAggregateIds({ pageSize: 100 })) {
    for (let i = 0; i < page.length; i += concurrency) {
      await Promise.all(
        page.slice(i, i + concurrency).map(async (aggregateId) => {
          try {
            const outcome = await encryptStream(aggregateId);
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
              default: {
                const unknown: never = outcome;
                throw new TypeError(`Unknown outcome ${String(unknown)}`);
              }
            }
          } catch (error) {
            report.failed++;
            if (report.failures.length < 100) report.failures.push({ aggregateId, error });
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
