import { type AuditOptions, type AuditReport, auditViews } from '../../src/app/audit.js';
import type { Env } from '../../src/local/local-endpoints.js';
import type { CliIo } from '../../src/ops/cli-io.js';
import { openOpsSession } from '../../src/ops/ops-session.js';

/** What an audit compares, as the service composes it (decrypting what it reads). */
export type AuditTarget = Pick<AuditOptions, 'catalog' | 'streams'>;

export const auditOnce = (target: AuditTarget): Promise<AuditReport> => auditViews(target);

const quiet: CliIo = { out: () => {}, err: () => {} };

/**
 * The audit sources `npm run audit:views` would use with these settings: `{DATA_DIR}` finds
 * the stack `npm start` runs there (its endpoints file). `close()` when done.
 */
export const opsAuditTarget = (env: Env): AuditTarget & { close(): void } => {
  const session = openOpsSession(env, quiet);
  return { ...session.service.auditSources, close: () => session.close() };
};

/**
 * Audits until clean or until `timeoutMs` passed, and returns the last report. For a
 * pipeline the test cannot ask "are you idle?" (a child process): trailing views are
 * expected for a moment, only what persists is a failure.
 */
export const auditUntilClean = async (
  target: AuditTarget,
  timeoutMs: number,
): Promise<AuditReport> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await auditOnce(target);
    if (report.clean || Date.now() > deadline) return report;
    await new Promise((r) => setTimeout(r, 500));
  }
};
