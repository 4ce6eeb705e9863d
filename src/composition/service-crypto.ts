import { randomUUID } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HashedEmailClaims } from '../adapters/crypto/hashed-email-claims.js';
import { HierarchicalDataKeyWrapper } from '../adapters/crypto/hierarchical-data-key-wrapper.js';
import { HmacEmailClaimHasher } from '../adapters/crypto/hmac-email-claim-hasher.js';
import { HmacRequestFingerprints } from '../adapters/crypto/hmac-request-fingerprints.js';
import { PiiCodec } from '../adapters/crypto/pii-codec.js';
import {
  UNPROTECTED_FINGERPRINT_SECRET,
  UnprotectedStoredSecret,
} from '../adapters/crypto/unprotected-stored-secret.js';
import { DynamoDBBranchKeyStore } from '../adapters/dynamodb/dynamodb-branch-key-store.js';
import { DynamoDBSubjectKeyStore } from '../adapters/dynamodb/dynamodb-subject-key-store.js';
import { DynamoDBWrappedSecretStore } from '../adapters/dynamodb/dynamodb-wrapped-secret-store.js';
import { hasHashedClaimsOnlyMarker } from '../adapters/dynamodb/hashed-claims-marker.js';
import {
  DATA_KEYS_BRANCH_KEY_ID,
  KMSBranchKeyProtector,
} from '../adapters/kms/kms-branch-key-protector.js';
import { KMSDataKeyWrapper } from '../adapters/kms/kms-data-key-wrapper.js';
import { KMSWrappedHmacKey } from '../adapters/kms/kms-wrapped-hmac-key.js';
import type { Config } from '../config.js';
import { BranchKeys } from '../core/branch-keys.js';
import { DataKeyCache } from '../core/data-key-cache.js';
import { EncodedEventStore } from '../core/encoded-event-store.js';
import type { EventStore, StreamCatalog } from '../core/event-store.js';
import type { PersonalDataDeclaration } from '../core/personal-data.js';
import { SubjectDataKeys } from '../core/subject-data-keys.js';

/** What crypto-shredding runs on: per-subject data keys, hashed claims, fingerprints. */
export interface ServiceCrypto {
  keys: SubjectDataKeys;
  /** The branch key that wraps the data keys: its materials cached here, its rotation. */
  branchKeys: BranchKeys;
  claims: HashedEmailClaims;
  /** HMAC-SHA-256 of a normalised email, keyed by a KMS-wrapped secret. */
  hasher: HmacEmailClaimHasher;
  /** Idempotency records' request fingerprints, keyed from the same KMS-wrapped secret. */
  fingerprints: HmacRequestFingerprints;
  /** Data keys unwrapped and held in this process (for tests and benchmarks). */
  cache: DataKeyCache;
}

export interface ServiceCryptoOptions {
  config: Pick<
    Config,
    | 'COMMAND_TABLE'
    | 'KMS_KEY_ID'
    | 'DATA_KEY_CACHE_SIZE'
    | 'DATA_KEY_CACHE_MAX_AGE_SECONDS'
    | 'BRANCH_KEY_CACHE_TTL_SECONDS'
    | 'LEGACY_EMAIL_CLAIMS'
  >;
  kms: KMSClient;
  dynamodb: DynamoDBDocumentClient;
}

/**
 * The branch key that wraps subjects' data keys: its versions protected by the KMS key
 * `KMS_KEY_ID` and stored in the event store table, their materials cached for
 * `BRANCH_KEY_CACHE_TTL_SECONDS`.
 */
export const buildBranchKeys = (options: ServiceCryptoOptions): BranchKeys => {
  const { config, kms, dynamodb } = options;
  const keyId = config.KMS_KEY_ID;
  if (!keyId) throw new TypeError('Encryption needs KMS_KEY_ID');
  return new BranchKeys({
    store: new DynamoDBBranchKeyStore({ client: dynamodb, tableName: config.COMMAND_TABLE }),
    protector: new KMSBranchKeyProtector({ client: kms, keyId }),
    branchKeyId: DATA_KEYS_BRANCH_KEY_ID,
    ttlMs: config.BRANCH_KEY_CACHE_TTL_SECONDS * 1000,
    newVersion: randomUUID,
  });
};

/**
 * Data keys made locally and wrapped by a branch key (context: the subject id, the branch
 * key id and version), stored in the event store table; keys wrapped directly by the KMS key
 * `KMS_KEY_ID` (context `{customerId}`), as stored before, still unwrap. The email claims'
 * HMAC secret is wrapped by the KMS key, and the request fingerprints' key derived from it
 * (HKDF, its own label). All are cached in memory, so a warm command makes no KMS call, nor
 * does a cold subject once the branch key's materials are.
 */
export const buildServiceCrypto = (options: ServiceCryptoOptions): ServiceCrypto => {
  const { config, kms, dynamodb } = options;
  const keyId = config.KMS_KEY_ID;
  if (!keyId) throw new TypeError('Encryption needs KMS_KEY_ID');
  const tableName = config.COMMAND_TABLE;
  const cache = new DataKeyCache({
    maxEntries: config.DATA_KEY_CACHE_SIZE,
    maxAgeMs: config.DATA_KEY_CACHE_MAX_AGE_SECONDS * 1000,
  });
  const branchKeys = buildBranchKeys(options);
  const keys = new SubjectDataKeys({
    wrapper: new HierarchicalDataKeyWrapper({
      branchKeys,
      direct: new KMSDataKeyWrapper({ client: kms, keyId }),
    }),
    store: new DynamoDBSubjectKeyStore({ client: dynamodb, tableName }),
    cache,
  });
  const secret = new KMSWrappedHmacKey({
    client: kms,
    keyId,
    store: new DynamoDBWrappedSecretStore({ client: dynamodb, tableName }),
  });
  const hasher = new HmacEmailClaimHasher({ secret: () => secret.secret() });
  return {
    fingerprints: new HmacRequestFingerprints({ secret: () => secret.secret() }),
    keys,
    branchKeys,
    claims: new HashedEmailClaims(hasher, {
      legacyClaims:
        config.LEGACY_EMAIL_CLAIMS === 'auto'
          ? async () => !(await hasHashedClaimsOnlyMarker(dynamodb, tableName))
          : config.LEGACY_EMAIL_CLAIMS === 'check',
    }),
    hasher,
    cache,
  };
};

/**
 * The request fingerprints of a service: keyed from the KMS-wrapped secret with encryption
 * on; without a KMS key (plaintext mode), from a random secret stored unwrapped in the event
 * store table. Never a plain hash: a record alone must not confirm a guessed request.
 */
export const buildRequestFingerprints = (options: {
  crypto: ServiceCrypto | undefined;
  config: Pick<Config, 'COMMAND_TABLE'>;
  dynamodb: DynamoDBDocumentClient;
}): HmacRequestFingerprints => {
  if (options.crypto) return options.crypto.fingerprints;
  const secret = new UnprotectedStoredSecret({
    store: new DynamoDBWrappedSecretStore({
      client: options.dynamodb,
      tableName: options.config.COMMAND_TABLE,
    }),
    name: UNPROTECTED_FINGERPRINT_SECRET,
  });
  return new HmacRequestFingerprints({ secret: () => secret.secret() });
};

/** What the encoding store reads of an aggregate module. */
export interface PersonalDataModule {
  /** The `aggregateType` of its streams: with an id, it names the subject (`subjectOf`). */
  readonly type: string;
  /** Absent when its events hold no personal data: they are stored as they are. */
  readonly personalData?: PersonalDataDeclaration;
}

/**
 * The event store a module's code reads and writes: with encryption on and personal data
 * declared, its fields encrypted under each subject's own key and its claims hashed; else
 * `inner` itself, in plaintext, and no key is ever made for its streams.
 */
export const encodingStoreFor = (
  module: PersonalDataModule,
  inner: EventStore & StreamCatalog,
  crypto: ServiceCrypto | undefined,
): EventStore & StreamCatalog => {
  const { personalData } = module;
  if (!crypto || !personalData) return inner;
  return new EncodedEventStore({
    inner,
    codec: new PiiCodec({ keys: crypto.keys, aggregateType: module.type, personalData }),
    claims: crypto.claims,
    erasureEventTypes: personalData.erasureEventTypes,
  });
};
