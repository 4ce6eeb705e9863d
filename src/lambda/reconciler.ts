import { lambdaService } from '../composition/lambda-service.js';

const { service, instrument } = lambdaService();

/**
 * Started by the schedule: heals the views whose last notification was lost among the
 * streams that changed since the previous run. A failed stream fails the invocation, so
 * the function's Errors alarm says so (the checkpoint has moved on regardless).
 */
export const handler = instrument(async () => {
  const report = await service.reconcile();
  if (report.failed > 0) {
    throw new Error(`${report.failed} of ${report.streams} streams could not be reconciled`);
  }
  return { from: report.from, to: report.to, streams: report.streams, healed: report.healed };
});
