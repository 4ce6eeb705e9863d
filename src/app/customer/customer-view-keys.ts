/**
 * The read model's index keys: pure functions of a view, the single source for the item
 * adapter (which stores them), the readers (which query them), the audit (which checks them)
 * and the capacity planner (which replays them).
 *
 * Two layouts exist. Layout 1, the first deployment's, keys `byStatus` on the bare status and
 * `byEmail` on the email's first character: at the service's goal rate both are hot keys.
 * Layout 2 write-shards every index key so that, at 10,000 commands/s, none takes more than
 * 500 writes/s (half a partition's 1,000). Views carry the keys of both layouts, so a table
 * built in layout 1 keeps answering until a blue/green rebuild moves it to layout 2.
 */
import { shardOf } from '../../core/stable-hash.js';
import { normaliseEmail } from '../../domain/customer/index.js';

/**
 * Shards per status. Every projected command rewrites its view, and with the index
 * projecting the whole item each rewrite is an index write: at 10,000 commands/s nearly all
 * land on `ACTIVE`, 10,000 / 32 ≈ 310 writes/s per shard.
 */
export const STATUS_SHARDS = 32;

/**
 * Shards per first character of the email. First characters are far from uniform (`j` starts
 * up to 14% of real addresses in the capacity planner's population, `m` about 10%), and the
 * index takes ~1.8 writes per command (an email change deletes the old key and puts the new;
 * every other rewrite of the view rewrites its entry): 14% / 8 of ~17,900 writes/s ≈ 310
 * writes/s on the hottest key at the goal (`npm run capacity`).
 */
export const EMAIL_SHARDS = 8;

/**
 * Shards per email domain. One domain can hold a third of all addresses (gmail.com ≈ 30%):
 * 30% / 16 ≈ 1.9% of writes, about 190 writes/s at the goal.
 */
export const DOMAIN_SHARDS = 16;

/** Separates the parts of a composite key; no email domain or customer id contains it. */
const SEPARATOR = '#';

/** Layout 1's index attributes, as the first deployment writes them. */
export interface UnshardedViewKeys {
  emailLower: string;
  /** The email's first character. */
  emailBucket: string;
  /** `registrationDate#customerId`: unique, and in registration order. */
  statusSortKey: string;
}

/** Layout 2's index attributes (besides `statusSortKey`, which both layouts sort on). */
export interface ShardedViewKeys {
  /** `ACTIVE#7`: the status and the customer's shard. */
  statusShard: string;
  /** `m#2`: the email's first character and the email's shard. */
  emailShard: string;
  /** `alice@example.com#<customerId>`: email order, unique even while two views share an email. */
  emailSortKey: string;
  /** `example.com#11`: the email's domain and the email's shard; absent without a domain. */
  emailDomainShard?: string;
}

export type CustomerViewIndexKeys = UnshardedViewKeys & ShardedViewKeys;

/** The index attributes only layout 2 has: an item without any of them was written before it. */
export const SHARDED_KEY_ATTRIBUTES = [
  'statusShard',
  'emailShard',
  'emailSortKey',
  'emailDomainShard',
] as const;

/** Every index attribute of either layout: none of them is part of the public view. */
export const INDEX_KEY_ATTRIBUTES: readonly string[] = [
  'emailLower',
  'emailBucket',
  'statusSortKey',
  ...SHARDED_KEY_ATTRIBUTES,
];

/** The domain of a normalised email: after its last `@`. */
export const emailDomain = (emailLower: string): string =>
  emailLower.slice(emailLower.lastIndexOf('@') + 1);

export const statusShardKey = (status: string, shard: number): string =>
  `${status}${SEPARATOR}${shard}`;
export const emailShardKey = (firstCharacter: string, shard: number): string =>
  `${firstCharacter}${SEPARATOR}${shard}`;
export const domainShardKey = (domain: string, shard: number): string =>
  `${domain}${SEPARATOR}${shard}`;

/** Every shard key of a status, of an email's first character, of a domain. */
export const statusShardKeys = (status: string): string[] =>
  Array.from({ length: STATUS_SHARDS }, (_, shard) => statusShardKey(status, shard));
export const emailShardKeys = (firstCharacter: string): string[] =>
  Array.from({ length: EMAIL_SHARDS }, (_, shard) => emailShardKey(firstCharacter, shard));
export const domainShardKeys = (domain: string): string[] =>
  Array.from({ length: DOMAIN_SHARDS }, (_, shard) => domainShardKey(domain, shard));

/** The one key that holds this exact (normalised) address. */
export const exactEmailShardKey = (emailLower: string): string =>
  emailShardKey(emailLower.charAt(0), shardOf(emailLower, EMAIL_SHARDS));

/** Sort keys of one address start with this; no longer address's do. */
export const exactEmailSortPrefix = (emailLower: string): string => `${emailLower}${SEPARATOR}`;

export const emailSortKeyOf = (emailLower: string, customerId: string): string =>
  `${emailLower}${SEPARATOR}${customerId}`;

/** The email and customer id an `emailSortKey` was made of. */
export const splitEmailSortKey = (sortKey: string): { emailLower: string; customerId: string } => {
  const at = sortKey.lastIndexOf(SEPARATOR);
  return { emailLower: sortKey.slice(0, at), customerId: sortKey.slice(at + 1) };
};

/** The index keys of a (not forgotten) view, in both layouts. */
export const customerViewIndexKeys = (view: {
  customerId: string;
  email: string;
  status: string;
  registrationDate: string;
}): CustomerViewIndexKeys => {
  const emailLower = normaliseEmail(view.email);
  const firstCharacter = emailLower.charAt(0);
  const emailShard = shardOf(emailLower, EMAIL_SHARDS);
  const domain = emailDomain(emailLower);
  return {
    emailLower,
    emailBucket: firstCharacter,
    statusSortKey: `${view.registrationDate}${SEPARATOR}${view.customerId}`,
    statusShard: statusShardKey(view.status, shardOf(view.customerId, STATUS_SHARDS)),
    emailShard: emailShardKey(firstCharacter, emailShard),
    emailSortKey: emailSortKeyOf(emailLower, view.customerId),
    // DynamoDB refuses an empty string as an index key: no domain, no entry in that index.
    ...(domain === ''
      ? {}
      : { emailDomainShard: domainShardKey(domain, shardOf(emailLower, DOMAIN_SHARDS)) }),
  };
};

/** Layout 1's keys alone: what the first deployment stored beside a view. */
export const unshardedViewKeys = (keys: CustomerViewIndexKeys): UnshardedViewKeys => ({
  emailLower: keys.emailLower,
  emailBucket: keys.emailBucket,
  statusSortKey: keys.statusSortKey,
});
