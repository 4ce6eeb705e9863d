import { describe, expect, it } from 'vitest';
import { startArchiveReplay } from './archive-replay.js';

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
