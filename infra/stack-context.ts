import type { Node } from 'constructs';
import type { CustomerServiceStackProps } from './customer-service-stack.js';
import { GREEN_VIEWS_TABLE_PREFIX } from './operator-tool-policies.js';
import { readStackSizing } from './stack-sizing.js';

/**
 * Deploy-time choices, read from CDK context (`cdk.json` or `-c key=value`):
 *
 * - `auth`: `iam` (default), `jwt` or `cognito`. `jwt` needs `jwtIssuer` and `jwtAudience`
 *   (comma-separated), and takes `jwtScopePrefix` (put before each role in its scope) and
 *   `consoleClientId` (the public client the console signs in with; default: the first
 *   audience). `cognito` needs `cognitoDomainPrefix`, the hosted UI's domain prefix.
 * - `keyAdminArns`: comma-separated role or user ARNs that administer the data keys' key
 *   (manage, never use); default: the account, through its IAM policies.
 * - `retainData`: `false` lets a development stack delete its tables with it.
 * - `logLevel`: DEBUG, INFO, WARN, ERROR or SILENT.
 * - `alarmEmail`: an address subscribed to the alarm topic (it confirms the subscription).
 * - `viewsTable`: after a blue/green rebuild, the green view table the functions switch to.
 * - `changeIndexShards`: shards per hour of the change index (default 32, sized for 10,000
 *   events/s at ≤ 500 writes/s per key). Raise it freely; see docs/operations.md to lower it.
 *
 * Sizing (`stack-sizing.ts`; defaults sized for 10,000 commands/s, docs/deploy.md):
 * - `routeThrottle`: `operationId=rate/burst,…` per route of the catalog (for example
 *   `changeCustomerEmail=12000/6000`); `defaultRouteThrottle`: `rate/burst` for the public pages.
 * - `projectorMaxConcurrency`: 2 to 1000 (default 160); the projector's reservation follows it.
 * - `reservedConcurrency`: `none`, or `commands=n,publisher=n,projector=n` (each also `none`).
 * - `streamParallelization`: publisher batches per stream shard at once, 1 to 10 (default 4).
 * - `warmThroughput`: `none`, or `eventStore=r/w,eventStoreIndexes=r/w,views=r/w,viewsIndexes=r/w`
 *   (read/write units per second at creation).
 * - `minVersionWaitMs`: the query function's longest read-your-writes wait (default 250).
 * - `viewsLayout`: `1` keeps the stack's own views table on the first deployment's indexes
 *   (a stack deployed before layout 2 must say so); default `2` (docs/deploy.md).
 * - `capacityMode`: `on-demand` (default: a new, unknown load) or `provisioned` (both tables
 *   and every index auto scaled; cheaper at a sustained load, docs/capacity.md). Provisioned
 *   takes `capacityTargetUtilization` (20 to 90 %, default 70), and `provisionedMin` and
 *   `provisionedMax`, each `eventStore=r/w,eventStoreIndexes=r/w,views=r/w,viewsIndexes=r/w`
 *   (read/write capacity units; defaults sized for the goal).
 */
export class StackContextError extends Error {
  override readonly name = 'StackContextError';
}

const text = (node: Node, key: string): string | undefined => {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value).trim();
};

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;

export const readStackContext = (
  node: Node,
): Pick<
  CustomerServiceStackProps,
  | 'authorization'
  | 'retainData'
  | 'logLevel'
  | 'alarmEmail'
  | 'viewsTableName'
  | 'keyAdminArns'
  | 'changeIndexShards'
  | 'sizing'
  | 'viewsLayout'
> => {
  const auth = text(node, 'auth') ?? 'iam';
  let authorization: CustomerServiceStackProps['authorization'];
  if (auth === 'iam') {
    authorization = { type: 'iam' };
  } else if (auth === 'jwt') {
    const issuer = text(node, 'jwtIssuer');
    const audience = (text(node, 'jwtAudience') ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    if (!issuer || audience.length === 0) {
      throw new StackContextError(
        'auth=jwt needs -c jwtIssuer=https://issuer.example -c jwtAudience=<client id>[,<more>]',
      );
    }
    const scopePrefix = text(node, 'jwtScopePrefix');
    const consoleClientId = text(node, 'consoleClientId');
    authorization = {
      type: 'jwt',
      issuer,
      audience,
      ...(scopePrefix ? { scopePrefix } : {}),
      ...(consoleClientId ? { consoleClientId } : {}),
    };
  } else if (auth === 'cognito') {
    const domainPrefix = text(node, 'cognitoDomainPrefix');
    // Cognito's rule for a prefix: lower-case letters, digits and hyphens, not at the ends.
    if (!domainPrefix || !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domainPrefix)) {
      throw new StackContextError(
        `auth=cognito needs -c cognitoDomainPrefix=<lower-case letters, digits, hyphens>, got "${domainPrefix ?? ''}"`,
      );
    }
    if (/aws|amazon|cognito/.test(domainPrefix)) {
      throw new StackContextError(
        `cognitoDomainPrefix may not contain "aws", "amazon" or "cognito", got "${domainPrefix}"`,
      );
    }
    authorization = { type: 'cognito', domainPrefix };
  } else {
    throw new StackContextError(`auth must be "iam", "jwt" or "cognito", got "${auth}"`);
  }

  const keyAdminArns = (text(node, 'keyAdminArns') ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  for (const arn of keyAdminArns) {
    if (!/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/\S+$/.test(arn)) {
      throw new StackContextError(`keyAdminArns must be IAM role or user ARNs, got "${arn}"`);
    }
  }

  const retainData = text(node, 'retainData') !== 'false';

  const level = text(node, 'logLevel')?.toUpperCase();
  const logLevel = LOG_LEVELS.find((l) => l === level);
  if (level !== undefined && logLevel === undefined) {
    throw new StackContextError(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const alarmEmail = text(node, 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new StackContextError(`alarmEmail must be an email address, got "${alarmEmail}"`);
  }

  // Green tables are created by `rebuild --into`, whose tool policy allows this prefix only.
  const viewsTableName = text(node, 'viewsTable');
  if (viewsTableName !== undefined && !viewsTableName.startsWith(GREEN_VIEWS_TABLE_PREFIX)) {
    throw new StackContextError(
      `viewsTable must name a green table built by rebuild --into (${GREEN_VIEWS_TABLE_PREFIX}…), got "${viewsTableName}"`,
    );
  }

  const shards = text(node, 'changeIndexShards');
  const changeIndexShards = shards === undefined ? undefined : Number(shards);
  if (
    changeIndexShards !== undefined &&
    !(Number.isInteger(changeIndexShards) && changeIndexShards >= 1 && changeIndexShards <= 1024)
  ) {
    throw new StackContextError(
      `changeIndexShards must be a whole number from 1 to 1024, got "${shards}"`,
    );
  }

  const layout = text(node, 'viewsLayout');
  if (layout !== undefined && layout !== '1' && layout !== '2') {
    throw new StackContextError(`viewsLayout must be 1 or 2, got "${layout}"`);
  }

  return {
    authorization,
    retainData,
    sizing: readStackSizing(node),
    ...(layout === '1' ? { viewsLayout: 1 as const } : {}),
    ...(logLevel ? { logLevel } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(viewsTableName ? { viewsTableName } : {}),
    ...(keyAdminArns.length > 0 ? { keyAdminArns } : {}),
    ...(changeIndexShards === undefined ? {} : { changeIndexShards }),
  };
};
