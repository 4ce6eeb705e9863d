/**
 * What the service counts and times. The names are the CloudWatch metric names (the
 * dashboard and alarms in the stack use them), so they are listed once, here.
 */
export const METRIC = {
  commandAccepted: 'CommandAccepted',
  commandRejected: 'CommandRejected',
  concurrencyRetry: 'ConcurrencyRetry',
  projectionLag: 'ProjectionLag',
  eventsPublished: 'EventsPublished',
  publishRetry: 'PublishRetry',
  deadLetter: 'DeadLetter',
  /** Notifications for a version the event store does not hold (forged, or about a lost write). */
  notificationsRejected: 'NotificationsRejected',
  viewsHealed: 'ViewsHealed',
  reconcileFailed: 'ReconcileFailed',
  /**
   * Events of a stream type no module is registered for, by consumer (`publisher`,
   * `projector`, `reconciler`, `rebuild`, `audit`, ...): never skipped, always counted.
   */
  unregisteredStreamType: 'UnregisteredStreamType',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Dimension values must come from a small, known set (types, reasons), never from ids. */
export type MetricDimensions = Readonly<Record<string, string>>;

/** The metrics port: counts and durations, with optional low-cardinality dimensions. */
export interface Metrics {
  count(name: MetricName, dimensions?: MetricDimensions, value?: number): void;
  timing(name: MetricName, milliseconds: number, dimensions?: MetricDimensions): void;
}

export const noMetrics: Metrics = {
  count: () => {},
  timing: () => {},
};
