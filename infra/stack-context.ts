import type { Node } from 'constructs';
import type { CustomerServiceStackProps } from './customer-service-stack.js';
import { GREEN_VIEWS_TABLE_PREFIX } from './operator-tool-policies.js';

/**
 * Deploy-time choices, read from CDK context (`cdk.json` or `-c key=value`):
 *
 * - `auth`: `iam` (default) or `jwt`; `jwt` needs `jwtIssuer` and `jwtAudience`
 *   (comma-separated).
 * - `retainData`: `false` lets a development stack delete its tables with it.
 * - `logLevel`: DEBUG, INFO, WARN, ERROR or SILENT.
 * - `alarmEmail`: an address subscribed to the alarm topic (it confirms the subscription).
 * - `viewsTable`: after a blue/green rebuild, the green view table the functions switch to.
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
  'authorization' | 'retainData' | 'logLevel' | 'alarmEmail' | 'viewsTableName'
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
    authorization = { type: 'jwt', issuer, audience };
  } else {
    throw new StackContextError(`auth must be "iam" or "jwt", got "${auth}"`);
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

  return {
    authorization,
    retainData,
    ...(logLevel ? { logLevel } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(viewsTableName ? { viewsTableName } : {}),
  };
};
