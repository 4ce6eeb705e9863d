import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRIC } from '../../core/metrics.js';
import { PowertoolsMetricsAdapter } from './powertools-metrics.js';

/** The EMF documents Powertools writes to stdout (CloudWatch reads them from the log). */
const emfWrittenBy = (run: () => void) => {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    written.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map(
      (line) =>
        JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } },
    );
};

afterEach(() => vi.unstubAllEnvs());

describe('PowertoolsMetricsAdapter', () => {
  it('writes EMF in the namespace, with the service and the point dimensions', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const metrics = new PowertoolsMetricsAdapter({
      namespace: 'CustomerService',
      serviceName: 'customer-service',
    });
    const docs = emfWrittenBy(() => {
      metrics.count(METRIC.commandRejected, {
        commandType: 'UpdateEmail',
        reason: 'VERSION_CONFLICT',
      });
      metrics.timing(METRIC.projectionLag, 120);
      metrics.count(METRIC.eventsPublished, undefined, 7);
      metrics.flush();
    });
    expect(docs).toHaveLength(2);
    const [rejected, buffered] = docs;
    expect(rejected).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'CustomerService',
            Dimensions: [['service', 'commandType', 'reason']],
            Metrics: [{ Name: 'CommandRejected', Unit: 'Count' }],
          },
        ],
      },
      service: 'customer-service',
      commandType: 'UpdateEmail',
      reason: 'VERSION_CONFLICT',
      CommandRejected: 1,
    });
    expect(buffered).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'CustomerService',
            Dimensions: [['service']],
            Metrics: expect.arrayContaining([
              { Name: 'ProjectionLag', Unit: 'Milliseconds' },
              { Name: 'EventsPublished', Unit: 'Count' },
            ]),
          },
        ],
      },
      ProjectionLag: 120,
      EventsPublished: 7,
    });
  });

  it('writes nothing on a flush with nothing recorded', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const metrics = new PowertoolsMetricsAdapter({ namespace: 'N', serviceName: 's' });
    expect(emfWrittenBy(() => metrics.flush())).toEqual([]);
  });
});
