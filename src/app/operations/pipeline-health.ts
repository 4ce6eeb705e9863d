import type { ActivityPoint, StreamProgress } from './service-activity.js';

/** A queue's depth as SQS reports it (approximate, as SQS says). */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** Reads one queue's depth; the SQS adapter serves AWS and the local emulator alike. */
export interface QueueDepthSource {
  depth(): Promise<QueueDepth>;
}

export interface PipelineHealth {
  /** ISO time of the reading. */
  at: string;
  /** Where the numbers come from: this process's counters, or CloudWatch. */
  source: 'in-process' | 'cloudwatch';
  stream: StreamProgress;
  projectionQueue: QueueDepth;
  deadLetterQueue: QueueDepth;
  /** Per-interval points of the last minutes, oldest first, for the live charts. */
  activity: {
    intervalSeconds: number;
    points: ActivityPoint[];
  };
}

/** The port behind `GET /ops/health`: one reading of the whole pipeline. */
export interface PipelineHealthSource {
  read(): Promise<PipelineHealth>;
}
