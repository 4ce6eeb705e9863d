import * as z from 'zod';

/**
 * Every setting the functions and the local runtime read, in one place. Names follow the
 * original deployment (`COMMAND_TABLE`, `EVENT_SOURCE_NAME`, ...). Each function reads only
 * the part it needs, and a missing or malformed value fails at start-up with its name.
 */
const Env = z.object({
  COMMAND_TABLE: z.string().min(3).default('CustomerEvents'),
  QUERY_TABLE: z.string().min(3).default('CustomerViews'),
  EVENT_BUS_NAME: z.string().min(1).default('customer-events'),
  EVENT_SOURCE_NAME: z.string().min(1).default('customer.service'),
  SNAPSHOT_EVERY: z.coerce.number().int().min(2).max(99).default(50),
  COMMAND_RECORD_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  /**
   * How long a command without `expectedVersion` keeps retrying a lost race; below the
   * command function's timeout (10 s).
   */
  COMMAND_RETRY_BUDGET_MS: z.coerce.number().int().min(0).max(60_000).default(8000),
  /**
   * Customers whose state and version the command side keeps in memory (least recently
   * used out; 0 turns it off). A warm command then skips its load; a stale entry cannot
   * commit, since the append is conditional on the version.
   */
  AGGREGATE_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(1000),
  /** How long a cached customer state may be decided on (it holds personal data in plaintext). */
  AGGREGATE_CACHE_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** Upper bound of a `?minVersion=` read-your-writes wait. */
  MIN_VERSION_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(3000),
  /** CloudWatch namespace of the service's own metrics (EMF); the stack's dashboard reads it. */
  METRICS_NAMESPACE: z.string().min(1).max(255).default('CustomerService'),
  /** The projection queue's `maxReceiveCount`, so the projector can count dead letters. */
  PROJECTION_MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(5),
  /**
   * The operations routes (`/ops/*`, the console's pipeline health and DLQ) on AWS: the
   * queues they read and redrive, and the publisher whose `IteratorAge` is the stream's
   * lag. The operations function (`src/lambda/ops-api.ts`) needs all three.
   */
  PROJECTION_QUEUE_URL: z.url().optional(),
  PROJECTION_DLQ_URL: z.url().optional(),
  PUBLISHER_FUNCTION_NAME: z.string().min(1).optional(),
  /**
   * Prepended to each role's name to make the OAuth scope that grants it: Cognito names a
   * resource server's scopes `<identifier>/<scope>` (`customer-service/`); empty for issuers
   * whose scopes are the role names themselves.
   */
  AUTH_SCOPE_PREFIX: z.string().max(200).default(''),
  /**
   * The OpenID issuer and the public client the console signs in with (authorization code
   * with PKCE): on AWS the stack's Cognito user pool or the issuer given by context; locally
   * the local issuer of `npm start -- --auth=oidc`. Unset: the console does not sign in.
   */
  CONSOLE_OIDC_ISSUER: z.url().optional(),
  CONSOLE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).default('INFO'),
  SERVICE_NAME: z.string().default('customer-service'),
  /**
   * The KMS key that wraps each customer's data key (id, ARN or alias). Set: personal data
   * is stored encrypted and email claims hashed. Unset: plaintext, as before encryption.
   */
  KMS_KEY_ID: z.string().min(1).optional(),
  /** Unwrapped data keys held in memory, least recently used out. */
  DATA_KEY_CACHE_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /**
   * How long an unwrapped key is kept: bounds how long another process can still read a
   * customer forgotten elsewhere.
   */
  DATA_KEY_CACHE_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /**
   * How long a process keeps a branch key version's unwrapped material, and which version is
   * active: one KMS call per version per this time, and a rotation is picked up within it.
   */
  BRANCH_KEY_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  /**
   * `check`: email claims written before hashing (`UNIQUE#email#<address>`) are checked and
   * released with the hashed ones. `off` once `npm run encrypt-legacy` has replaced them all:
   * a claim then writes two items fewer.
   */
  LEGACY_EMAIL_CLAIMS: z.enum(['check', 'off']).default('check'),
});
export type Config = z.infer<typeof Env>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const readConfig = (env: Record<string, string | undefined> = process.env): Config => {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
};
