import { describe, expect, it } from 'vitest';
import { ServiceActivity } from './service-activity.js';

const clock = (start: number) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

describe('ServiceActivity', () => {
  it('counts commands per second and keeps the largest lag of each second', () => {
    const time = clock(1_000_000);
    const activity = new ServiceActivity({ windowSeconds: 5, now: time.now });
    activity.commandAnswered();
    activity.commandAnswered();
    activity.viewWritten(40);
    activity.viewWritten(25);
    time.advance(2000);
    activity.commandAnswered();
    expect(activity.series()).toEqual([
      { at: 998_000, commands: 0, projectionLagMs: undefined },
      { at: 999_000, commands: 0, projectionLagMs: undefined },
      { at: 1_000_000, commands: 2, projectionLagMs: 40 },
      { at: 1_001_000, commands: 0, projectionLagMs: undefined },
      { at: 1_002_000, commands: 1, projectionLagMs: undefined },
    ]);
  });

  it('forgets seconds older than its window, even when their slot is reused', () => {
    const time = clock(0);
    const activity = new ServiceActivity({ windowSeconds: 3, now: time.now });
    activity.commandAnswered();
    time.advance(3000);
    expect(activity.series().map((p) => p.commands)).toEqual([0, 0, 0]);
    activity.commandAnswered();
    expect(activity.series().map((p) => p.commands)).toEqual([0, 0, 1]);
  });

  it('keeps the stream position and the age of the last record handed over', () => {
    const time = clock(50_000);
    const activity = new ServiceActivity({ now: time.now });
    activity.recordsPublished({ sequenceNumber: '0007', createdAtMs: 49_200 }, 3);
    activity.recordsPublished({ sequenceNumber: '0009', createdAtMs: 49_900 }, 2);
    expect(activity.streamProgress()).toEqual({
      lastSequenceNumber: '0009',
      lastPublishedAt: new Date(50_000).toISOString(),
      iteratorAgeMs: 100,
      recordsPublished: 5,
    });
  });
});
