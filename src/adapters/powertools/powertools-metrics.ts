import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { MetricDimensions, MetricName, Metrics } from '../../core/metrics.js';

/**
 * Metrics as CloudWatch embedded metric format (EMF) log lines, through Powertools. Points
 * without dimensions are buffered and written by `flush()` at the end of an invocation; a
 * point with dimensions is written at once as a single metric, since one EMF blob has one
 * dimension set.
 */
export class PowertoolsMetricsAdapter implements Metrics {
  readonly powertools: PowertoolsMetrics;

  constructor(options: { namespace: string; serviceName: string }) {
    this.powertools = new PowertoolsMetrics({
      namespace: options.namespace,
      serviceName: options.serviceName,
    });
  }

  count(name: MetricName, dimensions?: MetricDimensions, value = 1): void {
    this.add(name, MetricUnit.Count, value, dimensions);
  }

  timing(name: MetricName, milliseconds: number, dimensions?: MetricDimensions): void {
    this.add(name, MetricUnit.Milliseconds, milliseconds, dimensions);
  }

  /** Writes the buffered points; call once per invocation. */
  flush(): void {
    // Powertools warns on every empty flush; most invocations of a reader record nothing.
    if (this.powertools.hasStoredMetrics()) this.powertools.publishStoredMetrics();
  }

  private add(
    name: MetricName,
    unit: (typeof MetricUnit)[keyof typeof MetricUnit],
    value: number,
    dimensions: MetricDimensions | undefined,
  ): void {
    if (!dimensions || Object.keys(dimensions).length === 0) {
      this.powertools.addMetric(name, unit, value);
      return;
    }
    const single = this.powertools.singleMetric();
    single.addDimensions({ ...dimensions });
    single.addMetric(name, unit, value);
  }
}
