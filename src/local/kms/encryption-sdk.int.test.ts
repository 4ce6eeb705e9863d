import { randomBytes } from 'node:crypto';
import { buildClient, CommitmentPolicy, KMS, KmsKeyringNode } from '@aws-crypto/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KmsStandIn, startKmsStandIn } from './kms-standin.js';

/** The AWS Encryption SDK for JavaScript, a KMS client nobody here wrote, aimed at the stand-in. */
describe('the AWS Encryption SDK against the KMS stand-in', () => {
  let kms: KmsStandIn;
  const clients: KMS[] = [];
  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

  beforeAll(async () => {
    kms = await startKmsStandIn();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await kms?.stop();
  });

  const keyring = (key: { generatorKeyId?: string; keyIds?: string[] }) =>
    new KmsKeyringNode({
      ...key,
      clientProvider: () => {
        const client = new KMS({ ...kms.clientConfig, maxAttempts: 1 });
        clients.push(client);
        return client;
      },
    });

  it('round-trips a message with an encryption context, under the key ARN and the alias', async () => {
    const plaintext = randomBytes(10_000);
    const encryptionContext = { customerId: 'c-42', purpose: 'export' };
    for (const generatorKeyId of [
      kms.keyArn,
      `arn:aws:kms:us-east-1:000000000000:${kms.aliasName}`,
    ]) {
      const { result } = await encrypt(keyring({ generatorKeyId }), plaintext, {
        encryptionContext,
      });
      expect(result.includes(plaintext.subarray(0, 64))).toBe(false);
      const opened = await decrypt(keyring({ keyIds: [kms.keyArn] }), result);
      expect(Buffer.from(opened.plaintext)).toEqual(plaintext);
      expect(opened.messageHeader.encryptionContext).toMatchObject(encryptionContext);
      expect(opened.messageHeader.encryptedDataKeys.map((key) => key.providerInfo)).toEqual([
        kms.keyArn,
      ]);
    }
  });

  it('cannot decrypt once the key is disabled, and can again once it is enabled', async () => {
    const { result } = await encrypt(keyring({ generatorKeyId: kms.keyArn }), 'kept', {
      encryptionContext: { customerId: 'c-43' },
    });
    const admin = new KMS({ ...kms.clientConfig, maxAttempts: 1 });
    clients.push(admin);
    await admin.disableKey({ KeyId: kms.keyId });
    try {
      const before = kms.stats().operations.Decrypt ?? 0;
      const refused = await decrypt(keyring({ keyIds: [kms.keyArn] }), result).catch(
        (error: unknown) => error as Error,
      );
      expect(String((refused as Error).message)).toContain('DisabledException');
      expect((kms.stats().operations.Decrypt ?? 0) - before).toBe(1);
    } finally {
      await admin.enableKey({ KeyId: kms.keyId });
    }
    const opened = await decrypt(keyring({ keyIds: [kms.keyArn] }), result);
    expect(Buffer.from(opened.plaintext).toString()).toBe('kept');
  });
});
