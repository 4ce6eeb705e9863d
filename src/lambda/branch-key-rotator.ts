import { lambdaService } from '../composition/lambda-service.js';

const { service, instrument } = lambdaService();

/**
 * Started by the stack's schedule: makes a new version of the data keys' branch key active.
 * Older versions stay readable; no data key is rewritten.
 */
export const handler = instrument(async () => {
  const crypto = service.crypto;
  if (!crypto) throw new Error('KMS_KEY_ID is not set (the key that protects the branch key)');
  const { previous, active } = await crypto.branchKeys.rotate();
  return { branchKeyId: crypto.branchKeys.branchKeyId, previous: previous ?? null, active };
});
