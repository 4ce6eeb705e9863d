import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBCustomerViewAuditSource } from '../../src/adapters/dynamodb/dynamodb-customer-view-audit-source.js';
import { DynamoDBEventStore } from '../../src/adapters/dynamodb/dynamodb-event-store.js';
import { type AuditReport, auditViews } from '../../src/app/audit.js';

export interface AuditTarget {
  client: DynamoDBDocumentClient;
  eventStoreTable: string;
  viewsTable: string;
}

export const auditOnce = (target: AuditTarget): Promise<AuditReport> => {
  const store = new DynamoDBEventStore({
    client: target.client,
    tableName: target.eventStoreTable,
  });
  return auditViews({
    catalog: store,
    events: store,
    views: new DynamoDBCustomerViewAuditSource({
      client: target.client,
      tableName: target.viewsTable,
    }),
  });
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
