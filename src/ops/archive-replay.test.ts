import { describe, expect, it } from 'vitest';
import { runHistories } from '../../test/support/customer-histories.js';
import { addTallies, customersAndTallies } from '../../test/support/tally-stream-type.js';
import { InMemoryMetrics } from '../adapters/memory/in-memory-metrics.js';
import type { EventEnvelope } from '../core/event.js';
import { METRIC } from '../core/metrics.js';
import type { StreamChanges } from '../core/stream-changes.js';
import { replayFromStore, startArchiveReplay } from './archive-replay.js';

describe('the archive replay on AWS', () => {
  it('replays the range from the archive to the projection rule alone, and follows it to the end', async () => {
    const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
    const states = ['RUNNING', 'COMPLETED'];
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const name = command.constructor.name;
        sent.push({ name, input: command.input });
        switch (name) {
          case 'DescribeEventBusCommand':
            return { Arn: 'arn:aws:events:eu-west-1:1:event-bus/customer-events' };
          case 'DescribeArchiveCommand':
            return { ArchiveArn: 'arn:aws:events:eu-west-1:1:archive/EventArchive' };
          case 'DescribeRuleCommand':
            return { Arn: 'arn:aws:events:eu-west-1:1:rule/customer-events/customer-projection' };
          case 'StartReplayCommand':
            return { State: 'STARTING' };
          default:
            return {
              State: states.shift(),
              EventLastReplayedTime: new Date('2026-11-30T11:00:00Z'),
            };
        }
      },
    };
    const seen: string[] = [];
    const replay = await startArchiveReplay({
      client: client as never,
      busName: 'customer-events',
      archiveName: 'EventArchive',
      ruleName: 'customer-projection',
      range: { from: new Date('2026-11-30T10:00:00Z'), to: new Date('2026-11-30T12:00:00Z') },
      replayName: 'customer-projection-20261201083000',
      wait: { onState: (r) => seen.push(r.state), pollMs: 0 },
      sleep: async () => {},
    });
    const start = sent.find((s) => s.name === 'StartReplayCommand')?.input;
    expect(start).toEqual({
      ReplayName: 'customer-projection-20261201083000',
      Description: expect.stringContaining('customer-projection'),
      EventSourceArn: 'arn:aws:events:eu-west-1:1:archive/EventArchive',
      EventStartTime: new Date('2026-11-30T10:00:00Z'),
      EventEndTime: new Date('2026-11-30T12:00:00Z'),
      Destination: {
        Arn: 'arn:aws:events:eu-west-1:1:event-bus/customer-events',
        FilterArns: ['arn:aws:events:eu-west-1:1:rule/customer-events/customer-projection'],
      },
    });
    expect(seen).toEqual(['STARTING', 'RUNNING', 'COMPLETED']);
    expect(replay).toMatchObject({ state: 'COMPLETED', lastReplayed: '2026-11-30T11:00:00.000Z' });
  });
});

describe('the replay from the event store', () => {
  it('reads each stream in the range from its type’s store, as stored, and names a type nothing registers', async () => {
    const { customers, tallies, streams } = customersAndTallies();
    const [same = ''] = await runHistories(customers, [['email']], 'same');
    const tallyEvents = await addTallies(tallies, same, [1, 2, 3]);
    const customerEvents = await customers.readStream(same);
    const at = (e: EventEnvelope) => ({
      aggregateType: e.aggregateType,
      aggregateId: e.aggregateId,
      version: e.version,
      timestamp: e.timestamp,
    });
    const changes: StreamChanges = {
      async *changesBetween() {
        yield [
          ...customerEvents.map(at),
          // Versions 1 and 3 of the tally only: 2 was not in the range.
          at(tallyEvents[0] as EventEnvelope),
          at(tallyEvents[2] as EventEnvelope),
          { aggregateType: '?ORDER', aggregateId: 'o-1', version: 1, timestamp: '' },
        ];
      },
    };
    const published: EventEnvelope[] = [];
    const metrics = new InMemoryMetrics();

    const report = await replayFromStore({
      changes,
      streamTypes: streams,
      publish: async (envelopes) => {
        published.push(...envelopes);
        return [];
      },
      range: { from: new Date(0), to: new Date() },
      batchSize: 2,
      metrics,
    });

    expect(report).toMatchObject({ streams: 3, published: customerEvents.length + 2 });
    expect(report.unregistered).toEqual([{ aggregateType: '?ORDER', aggregateId: 'o-1' }]);
    expect(published).toEqual([...customerEvents, tallyEvents[0], tallyEvents[2]]);
    expect(metrics.total(METRIC.unregisteredStreamType, { consumer: 'replay' })).toBe(1);
  });
});
