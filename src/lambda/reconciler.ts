import { lambdaService } from '../composition/lambda-service.js';

const { service, instrument } = lambdaService();

/**
 * Started by the schedule (never two at once: reserved concurrency 1): heals the views
 * whose last notification was lost among the streams that changed since the previous run,
 * slice by slice, and starts no slice it could not finish before the function's timeout.
 * What is left, the next run does. A failed stream fails the invocation, so the function's
 * Errors alarm says so (the checkpoint has moved on regardless).
 */
export const handler = instrument(async (_event: unknown, context) => {
  const report = await service.reconcile({
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
  if (report.failed > 0) {
    throw new Error(`${report.failed} of ${report.streams} streams could not be reconciled`);
  }
  return {
    from: report.from,
    to: report.to,
    reached: report.reached,
    complete: report.complete,
    slices: report.slices,
    streams: report.streams,
    healed: report.healed,
  };
});
