import { NotFoundError, ServiceError } from './errors.js';

/**
 * Ports for crypto-shredding: each subject's PII is encrypted with a data key of their own,
 * stored only wrapped (by a branch key that KMS protects, see `branch-keys.ts`; keys of
 * before by KMS directly); deleting the wrapped key makes the ciphertext unreadable
 * everywhere it was copied (events, archives, queues, backups).
 */

/** A fresh data key: the plaintext to encrypt with now, and the wrapped form to store. */
export interface DataKey {
  plaintext: Uint8Array;
  wrapped: Uint8Array;
}

/** Wraps and unwraps data keys, bound to the subject they belong to (a branch key in production). */
export interface DataKeyWrapper {
  generate(subjectId: string): Promise<DataKey>;
  /** The plaintext of a key `generate` made for this same subject; another's is refused. */
  unwrap(subjectId: string, wrapped: Uint8Array): Promise<Uint8Array>;
}

export interface StoredKey {
  /** The wrapped key that is stored now: the caller's, or the one that was there first. */
  wrapped: Uint8Array;
  /** Whether the caller's key was the one stored. */
  created: boolean;
}

/** Where each subject's wrapped data key lives, by subject id (`subjectOf`). */
export interface SubjectKeyStore {
  get(subjectId: string): Promise<Uint8Array | undefined>;
  /** Stores `wrapped` unless the subject has a key already; racing writers converge on one. */
  putIfAbsent(subjectId: string, wrapped: Uint8Array): Promise<StoredKey>;
  /** Deletes the subject's key (crypto-shredding); `true` when there was one. */
  delete(subjectId: string): Promise<boolean>;
}

/** Process-wide secrets kept wrapped by name (the key of the email claims' keyed hash). */
export interface WrappedSecretStore {
  get(name: string): Promise<Uint8Array | undefined>;
  putIfAbsent(name: string, wrapped: Uint8Array): Promise<StoredKey>;
}

/** The value an email uniqueness claim is keyed by: a keyed hash, never the email itself. */
export interface EmailClaimHasher {
  /** Normalises `email` and hashes it; equal emails give equal values in every process. */
  hash(email: string): Promise<string>;
}

/** KMS throttled, failed or could not be reached after the client's own retries. */
export class KeyUnavailableError extends ServiceError {
  readonly kind = 'unavailable';
  readonly code = 'KEY_UNAVAILABLE';
  override readonly retryAfterSeconds = 1;
}

/** The subject's data key was deleted: their encrypted data can never be read again. */
export class DataKeyForgottenError extends NotFoundError {
  override readonly code = 'DATA_KEY_FORGOTTEN';
  constructor(
    readonly subjectId: string,
    options?: { cause?: unknown },
  ) {
    super(`The data key of subject ${subjectId} was deleted`, options);
  }
}

export const isKeyUnavailableError = (error: unknown): error is KeyUnavailableError =>
  error instanceof KeyUnavailableError;
export const isDataKeyForgottenError = (error: unknown): error is DataKeyForgottenError =>
  error instanceof DataKeyForgottenError;
