import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KmsStandIn, startKmsStandIn } from './kms-standin.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const bytes = (text: string) => new TextEncoder().encode(text);
type Failure = { name: string; message: string; $metadata?: { httpStatusCode?: number } };
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    (answer) => {
      throw new Error(`expected a failure, got ${JSON.stringify(answer)}`);
    },
    (error: unknown) => error as Failure,
  );

describe('KMS stand-in key states', () => {
  let kms: KmsStandIn;
  let client: KMSClient;
  let clock = Date.parse('2026-01-01T00:00:00Z');

  beforeAll(async () => {
    kms = await startKmsStandIn({ now: () => new Date(clock) });
    client = new KMSClient({ ...kms.clientConfig, maxAttempts: 1 });
  });
  afterAll(async () => {
    client?.destroy();
    await kms?.stop();
  });

  const newKey = async (input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}) => {
    const { KeyMetadata } = await client.send(new CreateKeyCommand(input));
    return KeyMetadata?.KeyId as string;
  };
  const metadata = async (KeyId: string) =>
    (await client.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata;
  /** Every cryptographic operation of a symmetric key, each answering its error name. */
  const cryptoErrors = async (KeyId: string, CiphertextBlob: Uint8Array) => [
    (await errorOf(client.send(new EncryptCommand({ KeyId, Plaintext: bytes('x') })))).name,
    (await errorOf(client.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256' })))).name,
    (
      await errorOf(
        client.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId, KeySpec: 'AES_256' })),
      )
    ).name,
    (await errorOf(client.send(new DecryptCommand({ CiphertextBlob })))).name,
  ];

  it('refuses every cryptographic operation of a disabled key with DisabledException, until enabled', async () => {
    const KeyId = await newKey();
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId, Plaintext: bytes('before') }),
    );
    await client.send(new DisableKeyCommand({ KeyId }));
    expect(await metadata(KeyId)).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    expect(await cryptoErrors(KeyId, CiphertextBlob as Uint8Array)).toEqual(
      Array(4).fill('DisabledException'),
    );
    const message = (await errorOf(client.send(new DecryptCommand({ CiphertextBlob })))).message;
    expect(message).toBe(`arn:aws:kms:us-east-1:000000000000:key/${KeyId} is disabled.`);
    // Disabling twice is no error, as in KMS.
    await client.send(new DisableKeyCommand({ KeyId }));

    await client.send(new EnableKeyCommand({ KeyId }));
    expect(await metadata(KeyId)).toMatchObject({ KeyState: 'Enabled', Enabled: true });
    const { Plaintext } = await client.send(new DecryptCommand({ CiphertextBlob }));
    expect(new TextDecoder().decode(Plaintext)).toBe('before');
  });

  it('refuses MACs of a disabled HMAC key', async () => {
    const KeyId = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const input = { KeyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' as const };
    const { Mac } = await client.send(new GenerateMacCommand(input));
    await client.send(new DisableKeyCommand({ KeyId }));
    expect((await errorOf(client.send(new GenerateMacCommand(input)))).name).toBe(
      'DisabledException',
    );
    expect((await errorOf(client.send(new VerifyMacCommand({ ...input, Mac })))).name).toBe(
      'DisabledException',
    );
  });

  it('schedules a deletion 7 to 30 days ahead, refuses the key meanwhile, and cancels to Disabled', async () => {
    const KeyId = await newKey();
    const arn = `arn:aws:kms:us-east-1:000000000000:key/${KeyId}`;
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId, Plaintext: bytes('kept') }),
    );
    for (const PendingWindowInDays of [6, 31])
      expect(
        (await errorOf(client.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays }))))
          .name,
      ).toBe('ValidationException');

    const scheduled = await client.send(
      new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }),
    );
    expect(scheduled).toMatchObject({
      KeyId: arn,
      KeyState: 'PendingDeletion',
      PendingWindowInDays: 7,
    });
    expect(scheduled.DeletionDate?.getTime()).toBe(clock + 7 * DAY_MS);
    const described = await metadata(KeyId);
    expect(described).toMatchObject({
      KeyState: 'PendingDeletion',
      Enabled: false,
      PendingDeletionWindowInDays: 7,
    });
    expect(described?.DeletionDate?.getTime()).toBe(clock + 7 * DAY_MS);

    expect(await cryptoErrors(KeyId, CiphertextBlob as Uint8Array)).toEqual(
      Array(4).fill('KMSInvalidStateException'),
    );
    const refused = await errorOf(
      client.send(new EncryptCommand({ KeyId, Plaintext: bytes('x') })),
    );
    expect(refused.message).toBe(`${arn} is pending deletion.`);
    for (const command of [
      new EnableKeyCommand({ KeyId }),
      new DisableKeyCommand({ KeyId }),
      new ScheduleKeyDeletionCommand({ KeyId }),
    ])
      expect((await errorOf(client.send(command as never))).name).toBe('KMSInvalidStateException');

    expect(await client.send(new CancelKeyDeletionCommand({ KeyId }))).toMatchObject({
      KeyId: arn,
    });
    const cancelled = await metadata(KeyId);
    expect(cancelled).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    expect(cancelled?.DeletionDate).toBeUndefined();
    expect((await errorOf(client.send(new CancelKeyDeletionCommand({ KeyId })))).name).toBe(
      'KMSInvalidStateException',
    );
    await client.send(new EnableKeyCommand({ KeyId }));
    const { Plaintext } = await client.send(new DecryptCommand({ CiphertextBlob }));
    expect(new TextDecoder().decode(Plaintext)).toBe('kept');
  });

  it('deletes the key and its aliases once the deletion date has passed', async () => {
    const KeyId = await newKey();
    await client.send(new CreateAliasCommand({ AliasName: 'alias/doomed', TargetKeyId: KeyId }));
    await client.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    clock += 7 * DAY_MS - 1;
    expect((await metadata(KeyId))?.KeyState).toBe('PendingDeletion');
    clock += 1;
    expect((await errorOf(client.send(new DescribeKeyCommand({ KeyId })))).name).toBe(
      'NotFoundException',
    );
    const { Aliases = [] } = await client.send(new ListAliasesCommand({}));
    expect(Aliases.map((a) => a.AliasName)).not.toContain('alias/doomed');
  });

  it('takes only a key id or ARN for state changes, not an alias', async () => {
    const error = await errorOf(client.send(new DisableKeyCommand({ KeyId: kms.aliasName })));
    expect(error.name).toBe('ValidationException');
    expect((await metadata(kms.keyId))?.KeyState).toBe('Enabled');
  });

  it('reports and keeps the rotation status of symmetric keys', async () => {
    const KeyId = await newKey();
    expect(await client.send(new GetKeyRotationStatusCommand({ KeyId }))).toMatchObject({
      KeyRotationEnabled: false,
    });
    expect(
      (
        await errorOf(
          client.send(new EnableKeyRotationCommand({ KeyId, RotationPeriodInDays: 89 })),
        )
      ).name,
    ).toBe('ValidationException');
    await client.send(new EnableKeyRotationCommand({ KeyId, RotationPeriodInDays: 90 }));
    const status = await client.send(new GetKeyRotationStatusCommand({ KeyId }));
    expect(status).toMatchObject({
      KeyId: `arn:aws:kms:us-east-1:000000000000:key/${KeyId}`,
      KeyRotationEnabled: true,
      RotationPeriodInDays: 90,
    });
    expect(status.NextRotationDate?.getTime()).toBe(clock + 90 * DAY_MS);
    await client.send(new DisableKeyRotationCommand({ KeyId }));
    expect(await client.send(new GetKeyRotationStatusCommand({ KeyId }))).toMatchObject({
      KeyRotationEnabled: false,
    });
    await client.send(new EnableKeyRotationCommand({ KeyId }));
    expect(await client.send(new GetKeyRotationStatusCommand({ KeyId }))).toMatchObject({
      KeyRotationEnabled: true,
      RotationPeriodInDays: 365,
    });

    await client.send(new DisableKeyCommand({ KeyId }));
    expect((await errorOf(client.send(new EnableKeyRotationCommand({ KeyId })))).name).toBe(
      'DisabledException',
    );
    const hmac = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect((await errorOf(client.send(new EnableKeyRotationCommand({ KeyId: hmac })))).name).toBe(
      'UnsupportedOperationException',
    );
  });

  it('answers DryRun with DryRunOperationException (412) and no key material', async () => {
    const KeyId = kms.aliasName;
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId, Plaintext: bytes('x') }),
    );
    const hmac = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const macInput = { KeyId: hmac, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' as const };
    const { Mac } = await client.send(new GenerateMacCommand(macInput));
    const before = kms.stats().requests;
    const answers = [
      await errorOf(
        client.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256', DryRun: true })),
      ),
      await errorOf(
        client.send(
          new GenerateDataKeyWithoutPlaintextCommand({ KeyId, KeySpec: 'AES_256', DryRun: true }),
        ),
      ),
      await errorOf(
        client.send(new EncryptCommand({ KeyId, Plaintext: bytes('x'), DryRun: true })),
      ),
      await errorOf(client.send(new DecryptCommand({ CiphertextBlob, DryRun: true }))),
      await errorOf(client.send(new GenerateMacCommand({ ...macInput, DryRun: true }))),
      await errorOf(client.send(new VerifyMacCommand({ ...macInput, Mac, DryRun: true }))),
    ];
    expect(kms.stats().requests - before).toBe(6);
    for (const answer of answers) {
      expect(answer.name).toBe('DryRunOperationException');
      expect(answer.$metadata?.httpStatusCode).toBe(412);
      expect(answer).not.toHaveProperty('Plaintext');
    }
    // A dry run that would fail answers the failure, as KMS does.
    const invalid = await errorOf(
      client.send(new DecryptCommand({ CiphertextBlob: bytes('not a blob'), DryRun: true })),
    );
    expect(invalid.name).toBe('InvalidCiphertextException');
    await client.send(new DisableKeyCommand({ KeyId: hmac }));
    expect(
      (await errorOf(client.send(new GenerateMacCommand({ ...macInput, DryRun: true })))).name,
    ).toBe('DisabledException');
  });

  it('keeps the tags and the key policy given to CreateKey, and answers them', async () => {
    const Policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }],
    });
    const Tags = [
      { TagKey: 'team', TagValue: 'customers' },
      { TagKey: 'env', TagValue: '' },
    ];
    const KeyId = await newKey({ Tags, Policy });
    expect((await client.send(new ListResourceTagsCommand({ KeyId }))).Tags).toEqual(Tags);
    expect(await client.send(new GetKeyPolicyCommand({ KeyId }))).toMatchObject({
      Policy,
      PolicyName: 'default',
    });

    await client.send(
      new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'team', TagValue: 'billing' }] }),
    );
    await client.send(new UntagResourceCommand({ KeyId, TagKeys: ['env'] }));
    expect((await client.send(new ListResourceTagsCommand({ KeyId }))).Tags).toEqual([
      { TagKey: 'team', TagValue: 'billing' },
    ]);
    const replaced = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    await client.send(new PutKeyPolicyCommand({ KeyId, Policy: replaced }));
    expect((await client.send(new GetKeyPolicyCommand({ KeyId }))).Policy).toBe(replaced);
  });

  it("answers KMS's default policy and no tags for a key created without them", async () => {
    const KeyId = await newKey();
    expect((await client.send(new ListResourceTagsCommand({ KeyId }))).Tags).toEqual([]);
    const { Policy } = await client.send(new GetKeyPolicyCommand({ KeyId }));
    expect(JSON.parse(Policy as string)).toMatchObject({
      Statement: [
        { Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'kms:*', Effect: 'Allow' },
      ],
    });
  });

  it('refuses malformed policies and reserved or oversized tags with KMS error names', async () => {
    const names = [
      (await errorOf(client.send(new CreateKeyCommand({ Policy: 'not json' })))).name,
      (
        await errorOf(
          client.send(new CreateKeyCommand({ Tags: [{ TagKey: 'aws:x', TagValue: 'v' }] })),
        )
      ).name,
      (
        await errorOf(
          client.send(new CreateKeyCommand({ Tags: [{ TagKey: 'k'.repeat(129), TagValue: 'v' }] })),
        )
      ).name,
    ];
    expect(names).toEqual(['MalformedPolicyDocumentException', 'TagException', 'TagException']);
  });
});

describe('KMS stand-in key states with a data folder', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kms-states-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps states, rotation, tags and policies across a restart', async () => {
    const first = await startKmsStandIn({ dataDir });
    const one = new KMSClient({ ...first.clientConfig, maxAttempts: 1 });
    const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    const created = await one.send(
      new CreateKeyCommand({ Policy, Tags: [{ TagKey: 'team', TagValue: 'customers' }] }),
    );
    const pending = created.KeyMetadata?.KeyId as string;
    await one.send(new EnableKeyRotationCommand({ KeyId: first.keyId }));
    await one.send(new DisableKeyCommand({ KeyId: first.keyId }));
    const scheduled = await one.send(new ScheduleKeyDeletionCommand({ KeyId: pending }));
    one.destroy();
    await first.stop();

    const second = await startKmsStandIn({ dataDir });
    const two = new KMSClient({ ...second.clientConfig, maxAttempts: 1 });
    try {
      const dataKey = (await two.send(new DescribeKeyCommand({ KeyId: second.keyId }))).KeyMetadata;
      expect(dataKey).toMatchObject({ KeyState: 'Disabled', Enabled: false });
      expect(
        (await two.send(new GetKeyRotationStatusCommand({ KeyId: second.keyId })))
          .KeyRotationEnabled,
      ).toBe(true);
      const doomed = (await two.send(new DescribeKeyCommand({ KeyId: pending }))).KeyMetadata;
      expect(doomed?.KeyState).toBe('PendingDeletion');
      expect(doomed?.DeletionDate).toEqual(scheduled.DeletionDate);
      expect((await two.send(new GetKeyPolicyCommand({ KeyId: pending }))).Policy).toBe(Policy);
      expect((await two.send(new ListResourceTagsCommand({ KeyId: pending }))).Tags).toEqual([
        { TagKey: 'team', TagValue: 'customers' },
      ]);
    } finally {
      two.destroy();
      await second.stop();
    }
  });

  it('deletes at start a key whose deletion date passed while stopped, and makes a new data key', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kms-deleted-'));
    let clock = Date.parse('2026-01-01T00:00:00Z');
    try {
      const first = await startKmsStandIn({ dataDir: folder, now: () => new Date(clock) });
      const one = new KMSClient({ ...first.clientConfig, maxAttempts: 1 });
      await one.send(
        new ScheduleKeyDeletionCommand({ KeyId: first.keyId, PendingWindowInDays: 7 }),
      );
      one.destroy();
      await first.stop();
      clock += 7 * DAY_MS;
      const second = await startKmsStandIn({ dataDir: folder, now: () => new Date(clock) });
      const two = new KMSClient({ ...second.clientConfig, maxAttempts: 1 });
      try {
        expect(second.keyId).not.toBe(first.keyId);
        expect((await errorOf(two.send(new DescribeKeyCommand({ KeyId: first.keyId })))).name).toBe(
          'NotFoundException',
        );
        const saved = JSON.parse(await readFile(second.keyFile as string, 'utf8')) as {
          keys: { keyId: string }[];
        };
        expect(saved.keys.map((key) => key.keyId)).toEqual([second.keyId]);
      } finally {
        two.destroy();
        await second.stop();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('reads a key file written before key states existed as enabled keys', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kms-old-file-'));
    try {
      const started = await startKmsStandIn({ dataDir: folder });
      await started.stop();
      const file = join(folder, 'kms', 'keys.json');
      const saved = JSON.parse(await readFile(file, 'utf8')) as {
        keys: Record<string, unknown>[];
      };
      const old = saved.keys.map(({ keyId, keySpec, description, creationDate, material }) => ({
        keyId,
        keySpec,
        description,
        creationDate,
        material,
      }));
      await writeFile(file, JSON.stringify({ ...saved, keys: old }));
      const again = await startKmsStandIn({ dataDir: folder });
      const client = new KMSClient({ ...again.clientConfig, maxAttempts: 1 });
      try {
        const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: again.keyId }));
        expect(KeyMetadata).toMatchObject({ KeyId: started.keyId, KeyState: 'Enabled' });
        const { Tags } = await client.send(new ListResourceTagsCommand({ KeyId: again.keyId }));
        expect(Tags).toEqual([]);
      } finally {
        client.destroy();
        await again.stop();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
