import type { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { CloudWatchPipelineHealth } from './cloudwatch-pipeline-health.js';

const MINUTE = 60_000;
const NOW = Date.parse('2026-01-01T10:15:30.000Z');
const END = Date.parse('2026-01-01T10:15:00.000Z');

const fakeCloudWatch = () => {
  const sent: GetMetricDataCommand['input'][] = [];
  const client = {
    send: async (command: GetMetricDataCommand) => {
      sent.push(command.input);
      return {
        MetricDataResults: [
          {
            Id: 'iteratorAge',
            Timestamps: [new Date(END - 2 * MINUTE), new Date(END - MINUTE)],
            Values: [900, 250],
          },
          { Id: 'commands', Timestamps: [new Date(END - MINUTE)], Values: [120] },
          { Id: 'lag', Timestamps: [new Date(END - 3 * MINUTE)], Values: [480] },
        ],
      };
    },
  } as unknown as CloudWatchClient;
  return { client, sent };
};

const depth = (visible: number) => ({ depth: async () => ({ visible, inFlight: 1, delayed: 0 }) });

describe('CloudWatchPipelineHealth', () => {
  it('reads queue depths, the publisher’s iterator age and a point a minute for the charts', async () => {
    const { client, sent } = fakeCloudWatch();
    const health = await new CloudWatchPipelineHealth({
      client,
      projectionQueue: depth(3),
      deadLetterQueue: depth(2),
      publisherFunctionName: 'publisher-fn',
      metricsNamespace: 'CustomerService',
      serviceName: 'customer-service',
      windowMinutes: 5,
      now: () => NOW,
    }).read();

    expect(health.source).toBe('cloudwatch');
    expect(health.projectionQueue).toEqual({ visible: 3, inFlight: 1, delayed: 0 });
    expect(health.deadLetterQueue.visible).toBe(2);
    // The latest minute's IteratorAge, not the largest.
    expect(health.stream.iteratorAgeMs).toBe(250);
    expect(health.activity.intervalSeconds).toBe(60);
    expect(health.activity.points.map((p) => [p.at, p.commands, p.projectionLagMs])).toEqual([
      [END - 5 * MINUTE, 0, undefined],
      [END - 4 * MINUTE, 0, undefined],
      [END - 3 * MINUTE, 0, 480],
      [END - 2 * MINUTE, 0, undefined],
      [END - MINUTE, 120, undefined],
    ]);

    const queries = sent[0]?.MetricDataQueries ?? [];
    expect(queries.find((q) => q.Id === 'iteratorAge')?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'FunctionName', Value: 'publisher-fn' },
    ]);
    expect(queries.find((q) => q.Id === 'commands')?.Expression).toContain(
      'MetricName="CommandAccepted" service="customer-service"',
    );
    expect(sent[0]?.StartTime?.getTime()).toBe(END - 5 * MINUTE);
  });
});
