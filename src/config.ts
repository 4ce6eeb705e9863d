import * as z from 'zod';
import { DEFAULT_CHANGE_INDEX_SHARDS } from './adapters/dynamodb/event-store-keys.js';

/**
 * Every setting the functions and the local runtime read, in one place. Names follow the
 * original deployment (`COMMAND_TABLE`, `EVENT_SOURCE_NAME`, ...). Each function reads only
 * the part it needs, and a missing or malformed value fails at start-up with its name.
 */
const Env = z.object({
  COMMAND_TABLE: z.string().min(3).default('CustomerEvents'),
  QUERY_TABLE: z.string().min(3).default('CustomerViews'),
  /**
   * The tables of the read models that modules declare besides the Customer views (which
   * keep `QUERY_TABLE`): a JSON object from a table's id (`ViewTableDeclaration.id`) to its
   * name. The stack and `npm start` set it; a registered module's table missing here is an
   * error at first use that names the id.
   */
  VIEW_TABLES: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        const parsed = z.record(z.string(), z.string().min(3)).safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data;
      } catch {}
      ctx.addIssue({
        code: 'custom',
        message: 'must be a JSON object of table ids to table names',
      });
      return z.NEVER;
    }),
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
  /**
   * The function's own timeout, which the stack sets for each function. Every AWS call's
   * budget (see `AWS_REQUEST_TIMEOUT_MS`) is derived from it, so that a dependency that hangs
   * is answered (503) before the function times out. 10 s, the API functions' timeout.
   */
  FUNCTION_TIMEOUT_MS: z.coerce.number().int().min(1000).max(900_000).default(10_000),
  /** Attempts of one AWS call, the first included: the SDK retries the rest within the budget. */
  AWS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /**
   * How long one attempt of an AWS call may wait for its answer, connecting included. Unset:
   * 60% of `FUNCTION_TIMEOUT_MS`, less the backoffs, shared by the attempts, at most 5 s.
   */
  AWS_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).optional(),
  /** How long opening a connection may take; unset: 1 s, or the request timeout if shorter. */
  AWS_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).optional(),
  /**
   * Shards per hour of the event store's change index: each event writes one of them, and
   * one key takes at most 500 writes/s (32: 10,000 events/s at ~313 per key). Readers also
   * query today's 16, so events written under either count are found; raise it freely,
   * lower it only as docs/operations.md says.
   */
  CHANGE_INDEX_SHARDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(1024)
    .default(DEFAULT_CHANGE_INDEX_SHARDS),
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
   * released with the hashed ones. `off`: a claim is its hashed form only (two items fewer).
   * `auto` (default): off when the event store carries the marker that it holds no plaintext
   * claims (created empty, or `npm run encrypt-legacy` finished), else check; read once per
   * process. See docs/privacy.md.
   */
  LEGACY_EMAIL_CLAIMS: z.enum(['auto', 'check', 'off']).default('auto'),
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
