/** The base of field encryption's errors. Messages name subjects and fields, never values. */
export class FieldCryptoError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A data key that is not 32 bytes: AES-256 needs exactly that. */
export class InvalidDataKeyError extends FieldCryptoError {}

/** A value that claims to be encrypted but is not in a format this code reads. */
export class MalformedEncryptedValueError extends FieldCryptoError {}

/** Authentication failed: another key, another subject or field, or changed bytes. */
export class FieldDecryptionError extends FieldCryptoError {}

/** A PII field that holds neither a string nor an encrypted value. */
export class InvalidPiiFieldError extends FieldCryptoError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A wrapped data key that does not unwrap: another subject's, another branch key, changed bytes. */
export class WrappedKeyDecryptionError extends FieldCryptoError {}
