import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DATA_KEY_ALIAS, type KmsStandIn, startKmsStandIn } from './kms-standin.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const bytes = (text: string) => new TextEncoder().encode(text);
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as { name: string; message: string; code?: string },
  );

describe('KMS stand-in', () => {
  let kms: KmsStandIn;
  let client: KMSClient;

  beforeAll(async () => {
    kms = await startKmsStandIn({ region: 'eu-west-1', accountId: '123456789012' });
    client = new KMSClient({ ...kms.clientConfig, maxAttempts: 1 });
  });
  afterAll(async () => {
    client?.destroy();
    await kms?.stop();
  });

  it('starts with a symmetric key behind the default alias, named by UUID and ARN', async () => {
    expect(kms.aliasName).toBe(DEFAULT_DATA_KEY_ALIAS);
    expect(kms.keyId).toMatch(UUID);
    expect(kms.keyArn).toBe(`arn:aws:kms:eu-west-1:123456789012:key/${kms.keyId}`);
    expect(kms.keyFile).toBeNull();
    const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: kms.aliasName }));
    expect(KeyMetadata).toMatchObject({
      KeyId: kms.keyId,
      Arn: kms.keyArn,
      AWSAccountId: '123456789012',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
      Enabled: true,
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    });
    expect(KeyMetadata?.CreationDate).toBeInstanceOf(Date);
  });

  it('generates a 256-bit data key whose blob decrypts without a KeyId to the same bytes', async () => {
    const context = { customerId: 'c-1' };
    const generated = await client.send(
      new GenerateDataKeyCommand({
        KeyId: kms.aliasName,
        KeySpec: 'AES_256',
        EncryptionContext: context,
      }),
    );
    expect(generated.KeyId).toBe(kms.keyArn);
    expect(generated.Plaintext).toHaveLength(32);
    const decrypted = await client.send(
      new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context }),
    );
    expect(decrypted.KeyId).toBe(kms.keyArn);
    expect(decrypted.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    expect(Buffer.from(decrypted.Plaintext ?? [])).toEqual(Buffer.from(generated.Plaintext ?? []));
  });

  it('takes NumberOfBytes or KeySpec, exactly one of them', async () => {
    const sized = await client.send(
      new GenerateDataKeyCommand({ KeyId: kms.keyId, NumberOfBytes: 64 }),
    );
    expect(sized.Plaintext).toHaveLength(64);
    const aes128 = await client.send(
      new GenerateDataKeyCommand({ KeyId: kms.keyArn, KeySpec: 'AES_128' }),
    );
    expect(aes128.Plaintext).toHaveLength(16);
    for (const input of [
      {},
      { KeySpec: 'AES_256' as const, NumberOfBytes: 32 },
      { NumberOfBytes: 0 },
    ]) {
      const error = await errorOf(
        client.send(new GenerateDataKeyCommand({ KeyId: kms.keyId, ...input })),
      );
      expect(error.name).toBe('ValidationException');
    }
  });

  it('generates a data key without plaintext that still decrypts under its context', async () => {
    const context = { purpose: 'email-claims' };
    const generated = await client.send(
      new GenerateDataKeyWithoutPlaintextCommand({
        KeyId: kms.aliasName,
        KeySpec: 'AES_256',
        EncryptionContext: context,
      }),
    );
    expect(generated).not.toHaveProperty('Plaintext');
    expect(generated.KeyId).toBe(kms.keyArn);
    const decrypted = await client.send(
      new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context }),
    );
    expect(decrypted.Plaintext).toHaveLength(32);
  });

  it('binds the encryption context: any order decrypts, any other context is refused', async () => {
    const plaintext = bytes('a secret worth keeping');
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({
        KeyId: kms.aliasName,
        Plaintext: plaintext,
        EncryptionContext: { customerId: 'c-1', field: 'email' },
      }),
    );
    expect(Buffer.from(CiphertextBlob ?? []).includes(Buffer.from(plaintext))).toBe(false);
    const reordered = await client.send(
      new DecryptCommand({
        CiphertextBlob,
        EncryptionContext: { field: 'email', customerId: 'c-1' },
      }),
    );
    expect(new TextDecoder().decode(reordered.Plaintext)).toBe('a secret worth keeping');

    const others: (Record<string, string> | undefined)[] = [
      undefined,
      { customerId: 'c-2', field: 'email' },
      { customerId: 'c-1' },
      { customerId: 'c-1', field: 'email', extra: '' },
    ];
    for (const EncryptionContext of others) {
      const error = await errorOf(
        client.send(new DecryptCommand({ CiphertextBlob, EncryptionContext })),
      );
      expect(error.name).toBe('InvalidCiphertextException');
    }
  });

  it('refuses a blob with any byte changed, truncated, or not made here', async () => {
    const EncryptionContext = { customerId: 'c-1' };
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId: kms.keyId, Plaintext: bytes('hello'), EncryptionContext }),
    );
    const original = Buffer.from(CiphertextBlob ?? []);
    const variants: Buffer[] = [
      original.subarray(0, original.length - 1),
      randomBytes(original.length),
    ];
    for (let at = 0; at < original.length; at++) {
      const tampered = Buffer.from(original);
      tampered[at] = (tampered[at] ?? 0) ^ 0x01;
      variants.push(tampered);
    }
    for (const blob of variants) {
      const error = await errorOf(
        client.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext })),
      );
      expect(error.name).toBe('InvalidCiphertextException');
    }
  });

  it('checks a given KeyId against the key the blob names', async () => {
    const other = await client.send(new CreateKeyCommand({ Description: 'another' }));
    const otherId = other.KeyMetadata?.KeyId ?? '';
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId: kms.keyId, Plaintext: bytes('x') }),
    );
    const byAlias = await client.send(new DecryptCommand({ CiphertextBlob, KeyId: kms.aliasName }));
    expect(byAlias.KeyId).toBe(kms.keyArn);
    expect(
      (await errorOf(client.send(new DecryptCommand({ CiphertextBlob, KeyId: otherId })))).name,
    ).toBe('IncorrectKeyException');
  });

  it('answers NotFoundException for keys and aliases it does not have', async () => {
    const missing = [
      '00000000-0000-4000-8000-000000000000',
      'alias/nobody',
      `arn:aws:kms:eu-west-1:999999999999:key/${kms.keyId}`,
      `arn:aws:kms:us-east-1:123456789012:key/${kms.keyId}`,
    ];
    for (const KeyId of missing) {
      const error = await errorOf(
        client.send(new EncryptCommand({ KeyId, Plaintext: bytes('x') })),
      );
      expect(error.name).toBe('NotFoundException');
    }
    const described = await errorOf(client.send(new DescribeKeyCommand({ KeyId: 'alias/nobody' })));
    expect(described.name).toBe('NotFoundException');
  });

  it('computes and verifies HMAC-SHA-256 with an HMAC key, and refuses wrong MACs and key usages', async () => {
    const created = await client.send(
      new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
    );
    const hmacKey = created.KeyMetadata?.KeyId ?? '';
    expect(created.KeyMetadata).toMatchObject({
      KeySpec: 'HMAC_256',
      KeyUsage: 'GENERATE_VERIFY_MAC',
      MacAlgorithms: ['HMAC_SHA_256'],
    });
    const Message = bytes('ada@example.com');
    const first = await client.send(
      new GenerateMacCommand({ KeyId: hmacKey, Message, MacAlgorithm: 'HMAC_SHA_256' }),
    );
    const again = await client.send(
      new GenerateMacCommand({ KeyId: hmacKey, Message, MacAlgorithm: 'HMAC_SHA_256' }),
    );
    expect(first.Mac).toHaveLength(32);
    expect(Buffer.from(again.Mac ?? [])).toEqual(Buffer.from(first.Mac ?? []));
    // Keyed: not the MAC under an empty or guessable key.
    expect(Buffer.from(first.Mac ?? [])).not.toEqual(
      createHmac('sha256', '').update(Message).digest(),
    );

    const verified = await client.send(
      new VerifyMacCommand({
        KeyId: hmacKey,
        Message,
        Mac: first.Mac,
        MacAlgorithm: 'HMAC_SHA_256',
      }),
    );
    expect(verified).toMatchObject({ MacValid: true, MacAlgorithm: 'HMAC_SHA_256' });
    const wrong = Buffer.from(first.Mac ?? []);
    wrong[0] = (wrong[0] ?? 0) ^ 0xff;
    const refused = await errorOf(
      client.send(
        new VerifyMacCommand({ KeyId: hmacKey, Message, Mac: wrong, MacAlgorithm: 'HMAC_SHA_256' }),
      ),
    );
    expect(refused.name).toBe('KMSInvalidMacException');

    const usages = [
      client.send(
        new GenerateMacCommand({ KeyId: kms.keyId, Message, MacAlgorithm: 'HMAC_SHA_256' }),
      ),
      client.send(
        new GenerateMacCommand({ KeyId: hmacKey, Message, MacAlgorithm: 'HMAC_SHA_512' }),
      ),
      client.send(new EncryptCommand({ KeyId: hmacKey, Plaintext: Message })),
      client.send(new GenerateDataKeyCommand({ KeyId: hmacKey, KeySpec: 'AES_256' })),
    ];
    for (const call of usages) expect((await errorOf(call)).name).toBe('InvalidKeyUsageException');
  });

  it('creates keys and aliases, and lists them page by page', async () => {
    const created = await client.send(new CreateKeyCommand({ Description: 'for listing' }));
    const keyId = created.KeyMetadata?.KeyId ?? '';
    expect(keyId).toMatch(UUID);
    await client.send(new CreateAliasCommand({ AliasName: 'alias/listing', TargetKeyId: keyId }));

    const listed: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await client.send(new ListKeysCommand({ Limit: 1, Marker }));
      expect(page.Keys).toHaveLength(1);
      listed.push(...(page.Keys ?? []).map((k) => k.KeyId ?? ''));
      Marker = page.Truncated ? page.NextMarker : undefined;
    } while (Marker);
    expect(listed).toContain(kms.keyId);
    expect(listed).toContain(keyId);
    expect(new Set(listed).size).toBe(listed.length);
    const all = await client.send(new ListKeysCommand({}));
    expect(all.Keys?.map((k) => k.KeyId)).toEqual(listed);
    expect(all.Keys?.find((k) => k.KeyId === keyId)?.KeyArn).toBe(
      `arn:aws:kms:eu-west-1:123456789012:key/${keyId}`,
    );

    const aliases = await client.send(new ListAliasesCommand({}));
    expect(aliases.Aliases?.map((a) => a.AliasName)).toEqual(
      expect.arrayContaining([DEFAULT_DATA_KEY_ALIAS, 'alias/listing']),
    );
    const forKey = await client.send(new ListAliasesCommand({ KeyId: keyId }));
    expect(forKey.Aliases).toEqual([
      expect.objectContaining({
        AliasName: 'alias/listing',
        AliasArn: 'arn:aws:kms:eu-west-1:123456789012:alias/listing',
        TargetKeyId: keyId,
      }),
    ]);
    const viaAlias = await client.send(
      new EncryptCommand({ KeyId: 'alias/listing', Plaintext: bytes('x') }),
    );
    expect(viaAlias.KeyId).toBe(created.KeyMetadata?.Arn);

    const duplicate = client.send(
      new CreateAliasCommand({ AliasName: 'alias/listing', TargetKeyId: keyId }),
    );
    expect((await errorOf(duplicate)).name).toBe('AlreadyExistsException');
    const reserved = client.send(
      new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: keyId }),
    );
    expect((await errorOf(reserved)).name).toBe('InvalidAliasNameException');
    const badMarker = client.send(new ListKeysCommand({ Marker: 'bm90IGEgbnVtYmVy' }));
    expect((await errorOf(badMarker)).name).toBe('InvalidMarkerException');
  });

  it('answers unknown operations and bad bodies in the AWS JSON error shape', async () => {
    const call = (target: string, body: string) =>
      fetch(kms.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
        body,
      });
    const unknown = await call('TrentService.ReEncrypt', '{}');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      __type: 'UnknownOperationException',
      message: expect.stringContaining('ReEncrypt'),
    });
    const notJson = await call('TrentService.Encrypt', '{');
    expect(await notJson.json()).toEqual({
      __type: 'SerializationException',
      message: expect.any(String),
    });
    const noKey = await call('TrentService.Encrypt', JSON.stringify({ Plaintext: 'eA==' }));
    expect(await noKey.json()).toEqual({
      __type: 'ValidationException',
      message: expect.stringContaining("'keyId'"),
    });
  });

  it('fails the next requests with an injected fault of each type, then answers again', async () => {
    const expected = {
      ThrottlingException: 400,
      KMSInternalException: 500,
      DependencyTimeoutException: 503,
    } as const;
    for (const [type, status] of Object.entries(expected) as [keyof typeof expected, number][]) {
      kms.failNextRequests(1, type);
      const error = await errorOf(client.send(new DescribeKeyCommand({ KeyId: kms.keyId })));
      expect(error.name).toBe(type);
      expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(
        status,
      );
    }
    const ok = await client.send(new DescribeKeyCommand({ KeyId: kms.keyId }));
    expect(ok.KeyMetadata?.KeyId).toBe(kms.keyId);
  });

  it('lets the SDK retry a throttle, and counts both calls', async () => {
    const retrying = new KMSClient({ ...kms.clientConfig, maxAttempts: 3 });
    try {
      const before = kms.stats();
      kms.failNextRequests(1, 'ThrottlingException');
      const result = await retrying.send(
        new EncryptCommand({ KeyId: kms.keyId, Plaintext: bytes('x') }),
      );
      expect(result.KeyId).toBe(kms.keyArn);
      const after = kms.stats();
      expect((after.operations.Encrypt ?? 0) - (before.operations.Encrypt ?? 0)).toBe(2);
      expect(after.injectedFaults - before.injectedFaults).toBe(1);
    } finally {
      retrying.destroy();
    }
  });

  it('counts calls per operation', async () => {
    const before = kms.stats();
    await client.send(new DescribeKeyCommand({ KeyId: kms.keyId }));
    await client.send(new DescribeKeyCommand({ KeyId: kms.keyId }));
    await client.send(new ListKeysCommand({}));
    const after = kms.stats();
    expect((after.operations.DescribeKey ?? 0) - (before.operations.DescribeKey ?? 0)).toBe(2);
    expect((after.operations.ListKeys ?? 0) - (before.operations.ListKeys ?? 0)).toBe(1);
    expect(after.requests - before.requests).toBe(3);
  });

  it('refuses connections while paused and answers on the same port after resume', async () => {
    const before = kms.stats().requests;
    await kms.pause();
    // Each pooled keep-alive socket may see a reset first; a fresh connection is refused.
    const codes: unknown[] = [];
    while (codes.length < 10 && codes.at(-1) !== 'ECONNREFUSED')
      codes.push((await errorOf(client.send(new DescribeKeyCommand({ KeyId: kms.keyId })))).code);
    expect(codes.at(-1)).toBe('ECONNREFUSED');
    expect(codes.every((code) => code === 'ECONNRESET' || code === 'ECONNREFUSED')).toBe(true);
    expect(kms.stats().requests).toBe(before);
    await kms.resume();
    const ok = await client.send(new DescribeKeyCommand({ KeyId: kms.keyId }));
    expect(ok.KeyMetadata?.KeyId).toBe(kms.keyId);
    expect(new URL(kms.endpoint).port).toBe(String(kms.port));
  });
});

describe('KMS stand-in with a data folder', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kms-standin-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps its keys across a restart, so old ciphertext still decrypts', async () => {
    const first = await startKmsStandIn({ dataDir });
    const firstClient = new KMSClient({ ...first.clientConfig, maxAttempts: 1 });
    const EncryptionContext = { customerId: 'c-9' };
    const generated = await firstClient.send(
      new GenerateDataKeyCommand({ KeyId: first.aliasName, KeySpec: 'AES_256', EncryptionContext }),
    );
    const hmac = await firstClient.send(
      new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
    );
    const Message = bytes('m');
    const mac = await firstClient.send(
      new GenerateMacCommand({
        KeyId: hmac.KeyMetadata?.KeyId,
        Message,
        MacAlgorithm: 'HMAC_SHA_256',
      }),
    );
    firstClient.destroy();
    await first.stop();

    expect(first.keyFile).toBe(join(dataDir, 'kms', 'keys.json'));
    expect((await stat(join(dataDir, 'kms', 'keys.json'))).mode & 0o777).toBe(0o600);

    const second = await startKmsStandIn({ dataDir });
    const secondClient = new KMSClient({ ...second.clientConfig, maxAttempts: 1 });
    try {
      expect(second.keyId).toBe(first.keyId);
      const decrypted = await secondClient.send(
        new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext }),
      );
      expect(Buffer.from(decrypted.Plaintext ?? [])).toEqual(
        Buffer.from(generated.Plaintext ?? []),
      );
      const verified = await secondClient.send(
        new VerifyMacCommand({
          KeyId: hmac.KeyMetadata?.KeyId,
          Message,
          Mac: mac.Mac,
          MacAlgorithm: 'HMAC_SHA_256',
        }),
      );
      expect(verified.MacValid).toBe(true);
    } finally {
      secondClient.destroy();
      await second.stop();
    }
  });

  it('refuses to start over a damaged key file, and leaves it as it was', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kms-damaged-'));
    try {
      const file = join(folder, 'kms', 'keys.json');
      const started = await startKmsStandIn({ dataDir: folder });
      await started.stop();
      const damaged = (await readFile(file, 'utf8')).slice(0, 40);
      await writeFile(file, damaged);
      await expect(startKmsStandIn({ dataDir: folder })).rejects.toThrow(/damaged/);
      expect(await readFile(file, 'utf8')).toBe(damaged);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
