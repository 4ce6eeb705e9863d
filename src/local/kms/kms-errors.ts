import { AwsJsonError } from '../aws-json/aws-json-server.js';

/**
 * A failure answered in the AWS JSON 1.1 error shape, `{"__type": ..., "message": ...}`,
 * with the HTTP status KMS uses for that type. The SDK turns `__type` into the error's `name`.
 */
export class KmsError extends AwsJsonError {
  override readonly name = 'KmsError';
}

/** The types a test can inject: throttling and the two server faults KMS documents. */
export type InjectedFault =
  | 'ThrottlingException'
  | 'KMSInternalException'
  | 'DependencyTimeoutException';

export const injectedFault = (type: InjectedFault): KmsError => {
  switch (type) {
    case 'ThrottlingException':
      return new KmsError(type, 'Rate exceeded', 400);
    case 'KMSInternalException':
      return new KmsError(type, 'Injected internal failure.', 500);
    case 'DependencyTimeoutException':
      return new KmsError(type, 'Injected dependency timeout.', 503);
    default: {
      const unknown: never = type;
      throw new Error(`Unknown fault type ${String(unknown)}`);
    }
  }
};

export const validationError = (field: string, constraint: string): KmsError =>
  new KmsError(
    'ValidationException',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`,
  );
