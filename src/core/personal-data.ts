/**
 * What an aggregate declares of its personal data, so the encoding store encrypts it under
 * the subject's own key and forgetting erases it. Generic: the Customer module declares its
 * fields here, another aggregate its own.
 */
export interface PersonalDataDeclaration {
  /** Payload (and state) fields that may hold personal data, today's and older ones. */
  readonly fields: readonly string[];
  /** Event types that record the erasure of their stream (after them nothing is decrypted). */
  readonly erasureEventTypes: readonly string[];
}
