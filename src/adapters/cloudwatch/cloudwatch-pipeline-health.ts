import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type {
  PipelineHealth,
  PipelineHealthSource,
  QueueDepthSource,
} from '../../app/operations/pipeline-health.js';
import type { ActivityPoint } from '../../app/operations/service-activity.js';
import { METRIC } from '../../core/metrics.js';

export interface CloudWatchPipelineHealthOptions {
  client: CloudWatchClient;
  projectionQueue: QueueDepthSource;
  deadLetterQueue: QueueDepthSource;
  /** The publisher function, whose `IteratorAge` is the stream's lag. */
  publisherFunctionName: string;
  /** Where the service's own metrics (EMF) land, and its `service` dimension. */
  metricsNamespace: string;
  serviceName: string;
  /** How far back the charts go; 15 minutes by default. */
  windowMinutes?: number;
  now?: () => number;
}

const PERIOD_SECONDS = 60;

/**
 * Pipeline health on AWS, where the pipeline runs in other functions: queue depths from SQS,
 * the stream's lag from the publisher's `IteratorAge`, and the charts from the service's
 * own metrics (commands accepted, projection lag), a point a minute.
 */
export class CloudWatchPipelineHealth implements PipelineHealthSource {
  constructor(private readonly options: CloudWatchPipelineHealthOptions) {}

  async read(): Promise<PipelineHealth> {
    const now = (this.options.now ?? Date.now)();
    const windowMinutes = this.options.windowMinutes ?? 15;
    const end = Math.floor(now / (PERIOD_SECONDS * 1000)) * PERIOD_SECONDS * 1000;
    const start = end - windowMinutes * PERIOD_SECONDS * 1000;
    const { metricsNamespace: namespace, serviceName } = this.options;
    const [projectionQueue, deadLetterQueue, metrics] = await Promise.all([
      this.options.projectionQueue.depth(),
      this.options.deadLetterQueue.depth(),
      this.options.client.send(
        new GetMetricDataCommand({
          StartTime: new Date(start),
          EndTime: new Date(end),
          ScanBy: 'TimestampAscending',
          MetricDataQueries: [
            {
              Id: 'iteratorAge',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/Lambda',
                  MetricName: 'IteratorAge',
                  Dimensions: [{ Name: 'FunctionName', Value: this.options.publisherFunctionName }],
                },
                Period: PERIOD_SECONDS,
                Stat: 'Maximum',
              },
            },
            {
              // Counted per command type: the search adds the types up.
              Id: 'commands',
              Expression: `SUM(SEARCH('{${namespace},commandType,service} MetricName="${METRIC.commandAccepted}" service="${serviceName}"', 'Sum', ${PERIOD_SECONDS}))`,
              Period: PERIOD_SECONDS,
            },
            {
              Id: 'lag',
              MetricStat: {
                Metric: {
                  Namespace: namespace,
                  MetricName: METRIC.projectionLag,
                  Dimensions: [{ Name: 'service', Value: serviceName }],
                },
                Period: PERIOD_SECONDS,
                Stat: 'Maximum',
              },
            },
          ],
        }),
      ),
    ]);
    const series = (id: string) => {
      const result = metrics.MetricDataResults?.find((r) => r.Id === id);
      const byMinute = new Map<number, number>();
      result?.Timestamps?.forEach((t, i) => {
        const value = result.Values?.[i];
        if (value !== undefined) byMinute.set(t.getTime(), value);
      });
      return byMinute;
    };
    const commands = series('commands');
    const lag = series('lag');
    const iteratorAge = series('iteratorAge');
    const points: ActivityPoint[] = [];
    for (let at = start; at < end; at += PERIOD_SECONDS * 1000) {
      points.push({
        at,
        commands: commands.get(at) ?? 0,
        projectionLagMs: lag.get(at),
      });
    }
    const latestAge = [...iteratorAge.entries()].sort(([a], [b]) => a - b).at(-1);
    return {
      at: new Date(now).toISOString(),
      source: 'cloudwatch',
      stream: {
        lastSequenceNumber: undefined,
        lastPublishedAt: latestAge ? new Date(latestAge[0]).toISOString() : undefined,
        iteratorAgeMs: latestAge?.[1],
        recordsPublished: 0,
      },
      projectionQueue,
      deadLetterQueue,
      activity: { intervalSeconds: PERIOD_SECONDS, points },
    };
  }
}
