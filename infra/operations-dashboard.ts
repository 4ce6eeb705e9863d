import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, type MetricName } from '../src/core/metrics.js';
import type { ServiceFunction } from './service-function.js';

export interface OperationsDashboardProps {
  /** The namespace the functions write their EMF metrics to (`METRICS_NAMESPACE`). */
  namespace: string;
  /** Powertools adds it as the `service` dimension of every metric. */
  serviceName: string;
  functions: Record<string, ServiceFunction>;
  publisher: ServiceFunction;
  projectionQueue: sqs.Queue;
  deadLetterQueues: Record<string, sqs.Queue>;
}

const PERIOD = Duration.minutes(1);

/**
 * One screen for the operator who is paged: commands, errors, projection lag, dead-letter
 * depth, the stream's iterator age and throttles, plus what publishing and the reconciler did.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const service = (name: MetricName, statistic: string, label?: string) =>
      new cloudwatch.Metric({
        namespace: props.namespace,
        metricName: name,
        dimensionsMap: { service: props.serviceName },
        statistic,
        period: PERIOD,
        ...(label ? { label } : {}),
      });
    // Commands carry a `commandType` (and `reason`) dimension: one line per value found.
    const search = (name: MetricName, dimensions: string[], label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${props.namespace},${['service', ...dimensions].join(',')}} MetricName="${name}"', 'Sum', 60)`,
        label,
        period: PERIOD,
      });
    const perFunction = (metric: 'Errors' | 'Throttles') =>
      Object.entries(props.functions).map(([name, fn]) =>
        fn.function.metric(metric, { statistic: 'Sum', period: PERIOD, label: name }),
      );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Commands accepted, by type',
        left: [search(METRIC.commandAccepted, ['commandType'], 'accepted')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Commands rejected, by type and reason',
        left: [search(METRIC.commandRejected, ['commandType', 'reason'], 'rejected')],
        right: [service(METRIC.concurrencyRetry, 'Sum', 'concurrency retries')],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        left: perFunction('Errors'),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Projection lag (event accepted → view written), ms',
        left: ['p50', 'p99', 'Maximum'].map((stat) =>
          service(METRIC.projectionLag, stat, `lag ${stat}`),
        ),
        right: [
          props.projectionQueue.metricApproximateAgeOfOldestMessage({
            period: PERIOD,
            statistic: 'Maximum',
            label: 'oldest queued message, s',
          }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        left: Object.entries(props.deadLetterQueues).map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            statistic: 'Maximum',
            label: name,
          }),
        ),
        right: [service(METRIC.deadLetter, 'Sum', 'dead-lettered by the projector')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Stream iterator age (publisher), ms',
        left: [
          props.publisher.function.metric('IteratorAge', {
            statistic: 'Maximum',
            period: PERIOD,
            label: 'iterator age',
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Throttles',
        left: perFunction('Throttles'),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Publishing',
        left: [service(METRIC.eventsPublished, 'Sum', 'events published')],
        right: [service(METRIC.publishRetry, 'Sum', 'entries retried')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Reconciler',
        left: [
          service(METRIC.viewsHealed, 'Sum', 'views healed'),
          service(METRIC.reconcileFailed, 'Sum', 'streams failed'),
        ],
        width: 12,
      }),
    );
  }
}
