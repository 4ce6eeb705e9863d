import type { MetricDimensions, MetricName, Metrics } from '../../core/metrics.js';

export interface MetricPoint {
  name: MetricName;
  unit: 'Count' | 'Milliseconds';
  value: number;
  dimensions: MetricDimensions;
}

/** Keeps every data point, so tests can read what a run counted. */
export class InMemoryMetrics implements Metrics {
  readonly points: MetricPoint[] = [];

  count(name: MetricName, dimensions: MetricDimensions = {}, value = 1): void {
    this.points.push({ name, unit: 'Count', value, dimensions });
  }

  timing(name: MetricName, milliseconds: number, dimensions: MetricDimensions = {}): void {
    this.points.push({ name, unit: 'Milliseconds', value: milliseconds, dimensions });
  }

  /** Sum of a metric's values, over the points whose dimensions include `where`. */
  total(name: MetricName, where: MetricDimensions = {}): number {
    return this.matching(name, where).reduce((sum, p) => sum + p.value, 0);
  }

  matching(name: MetricName, where: MetricDimensions = {}): MetricPoint[] {
    return this.points.filter(
      (p) => p.name === name && Object.entries(where).every(([key, v]) => p.dimensions[key] === v),
    );
  }
}
