/** One second of activity: commands answered, and the projection lag seen in it. */
export interface ActivityPoint {
  /** Start of the second, epoch ms. */
  at: number;
  /** Commands answered in the interval (a second in-process, a minute from CloudWatch). */
  commands: number;
  /** Largest lag (event accepted → view written) of the views written in this second. */
  projectionLagMs: number | undefined;
}

export interface StreamProgress {
  /** Sequence number of the last stream record handed to the publisher. */
  lastSequenceNumber: string | undefined;
  /** When it was handed over (ISO). */
  lastPublishedAt: string | undefined;
  /** Its age when it was handed over: Lambda's `IteratorAge`. */
  iteratorAgeMs: number | undefined;
  recordsPublished: number;
}

interface Bucket {
  second: number;
  /** Commands answered in the interval (a second in-process, a minute from CloudWatch). */
  commands: number;
  lagMs: number | undefined;
}

/**
 * In-process counters behind the console's live charts: a ring of per-second buckets over
 * the last `windowSeconds`, so memory is fixed whatever the traffic. It only holds numbers,
 * never ids or payloads.
 */
export class ServiceActivity {
  readonly windowSeconds: number;
  private readonly now: () => number;
  private readonly buckets: Bucket[];
  private stream: StreamProgress = {
    lastSequenceNumber: undefined,
    lastPublishedAt: undefined,
    iteratorAgeMs: undefined,
    recordsPublished: 0,
  };

  constructor(options: { windowSeconds?: number; now?: () => number } = {}) {
    this.windowSeconds = Math.max(options.windowSeconds ?? 300, 1);
    this.now = options.now ?? Date.now;
    this.buckets = Array.from({ length: this.windowSeconds }, () => ({
      second: -1,
      commands: 0,
      lagMs: undefined,
    }));
  }

  commandAnswered(): void {
    this.bucket().commands++;
  }

  viewWritten(lagMs: number): void {
    const bucket = this.bucket();
    const lag = Math.max(lagMs, 0);
    bucket.lagMs = bucket.lagMs === undefined ? lag : Math.max(bucket.lagMs, lag);
  }

  recordsPublished(
    last: { sequenceNumber: string | undefined; createdAtMs: number | undefined },
    count: number,
  ): void {
    const now = this.now();
    this.stream = {
      lastSequenceNumber: last.sequenceNumber ?? this.stream.lastSequenceNumber,
      lastPublishedAt: new Date(now).toISOString(),
      // A batch without an event says nothing of the lag: the last age stands.
      iteratorAgeMs:
        last.createdAtMs === undefined
          ? this.stream.iteratorAgeMs
          : Math.max(now - last.createdAtMs, 0),
      recordsPublished: this.stream.recordsPublished + count,
    };
  }

  streamProgress(): StreamProgress {
    return { ...this.stream };
  }

  /** Every second of the window, oldest first; seconds without activity count zero. */
  series(): ActivityPoint[] {
    const current = Math.floor(this.now() / 1000);
    const points: ActivityPoint[] = [];
    for (let second = current - this.windowSeconds + 1; second <= current; second++) {
      const bucket = this.buckets[second % this.windowSeconds];
      const live = bucket !== undefined && bucket.second === second;
      points.push({
        at: second * 1000,
        commands: live ? bucket.commands : 0,
        projectionLagMs: live ? bucket.lagMs : undefined,
      });
    }
    return points;
  }

  private bucket(): Bucket {
    const second = Math.floor(this.now() / 1000);
    const index = second % this.windowSeconds;
    let bucket = this.buckets[index];
    if (!bucket || bucket.second !== second) {
      bucket = { second, commands: 0, lagMs: undefined };
      this.buckets[index] = bucket;
    }
    return bucket;
  }
}
