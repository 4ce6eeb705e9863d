import type { Tag } from './key-ring.js';
import { requireNotPendingDeletion } from './key-state.js';
import { KmsError, validationError } from './kms-errors.js';
import type { Operation } from './operation-context.js';
import { page } from './paging.js';
import { optionalString, requiredString } from './request-fields.js';

/** KMS's default key policy: the account's IAM policies decide who may use the key. */
export const defaultKeyPolicy = (accountId: string): string =>
  JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    },
    null,
    2,
  );

const tagError = (message: string) => new KmsError('TagException', message);

/** `[{TagKey, TagValue}]` with KMS's limits; a repeated key keeps its last value, as KMS. */
export const parseTags = (value: unknown): Tag[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new KmsError('SerializationException', 'Tags must be a list.');
  const tags = new Map<string, string>();
  for (const entry of value as unknown[]) {
    const { TagKey, TagValue } = (entry ?? {}) as Record<string, unknown>;
    if (typeof TagKey !== 'string' || TagKey.length < 1 || TagKey.length > 128)
      throw tagError('Each tag needs a TagKey of 1 to 128 characters.');
    if (typeof TagValue !== 'string' || TagValue.length > 256)
      throw tagError('Each tag needs a TagValue of 0 to 256 characters.');
    if (TagKey.toLowerCase().startsWith('aws:'))
      throw tagError('Tags beginning with aws: are reserved.');
    tags.set(TagKey, TagValue);
  }
  if (tags.size > 50) throw tagError('A key can have at most 50 tags.');
  return [...tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
};

/** A key policy must be a JSON object of at most 32 KiB; it is kept, not enforced. */
export const parsePolicy = (policy: unknown): string | undefined => {
  if (policy === undefined || policy === null) return undefined;
  if (typeof policy !== 'string')
    throw new KmsError('SerializationException', 'Policy must be a string.');
  if (policy.length < 1 || policy.length > 32_768)
    throw validationError('policy', 'Member must have length between 1 and 32768');
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new KmsError('MalformedPolicyDocumentException', 'The key policy is not valid JSON.');
  return policy;
};

/** `default` is the only policy name KMS knows. */
const policyName = (body: Record<string, unknown>): string => {
  const name = optionalString(body, 'PolicyName') ?? 'default';
  if (name !== 'default')
    throw validationError('policyName', 'Member must satisfy regular expression pattern: default');
  return name;
};

export const listResourceTags: Operation = async (body, { ring }) => {
  const key = ring.resolve(requiredString(body, 'KeyId'), { allowAlias: false });
  const { items, truncated, ...rest } = page(key.tags, body, 50);
  return { Tags: items, Truncated: truncated, ...rest };
};

export const tagResource: Operation = async (body, { ring, persist }) => {
  const key = requireNotPendingDeletion(
    ring,
    ring.resolve(requiredString(body, 'KeyId'), { allowAlias: false }),
  );
  key.tags = parseTags([...key.tags, ...parseTags(body.Tags)]);
  await persist();
  return {};
};

export const untagResource: Operation = async (body, { ring, persist }) => {
  const key = requireNotPendingDeletion(
    ring,
    ring.resolve(requiredString(body, 'KeyId'), { allowAlias: false }),
  );
  const removed = body.TagKeys;
  if (!Array.isArray(removed) || removed.some((k) => typeof k !== 'string'))
    throw new KmsError('SerializationException', 'TagKeys must be a list of strings.');
  key.tags = key.tags.filter((tag) => !removed.includes(tag.TagKey));
  await persist();
  return {};
};

export const getKeyPolicy: Operation = async (body, { ring }) => {
  const key = ring.resolve(requiredString(body, 'KeyId'), { allowAlias: false });
  return { Policy: key.policy ?? defaultKeyPolicy(ring.accountId), PolicyName: policyName(body) };
};

export const putKeyPolicy: Operation = async (body, { ring, persist }) => {
  const key = requireNotPendingDeletion(
    ring,
    ring.resolve(requiredString(body, 'KeyId'), { allowAlias: false }),
  );
  policyName(body);
  const policy = parsePolicy(body.Policy);
  if (policy === undefined) throw validationError('policy', 'Member must not be null');
  key.policy = policy;
  await persist();
  return {};
};
