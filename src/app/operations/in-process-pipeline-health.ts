import type { PipelineHealth, PipelineHealthSource, QueueDepthSource } from './pipeline-health.js';
import type { ServiceActivity } from './service-activity.js';

/**
 * Pipeline health from this process's own counters, for a process that runs the whole
 * pipeline (the local runtime): the stream as the publisher saw it, the queues as SQS
 * reports them.
 */
export class InProcessPipelineHealth implements PipelineHealthSource {
  constructor(
    private readonly options: {
      activity: ServiceActivity;
      projectionQueue: QueueDepthSource;
      deadLetterQueue: QueueDepthSource;
      now?: () => number;
    },
  ) {}

  async read(): Promise<PipelineHealth> {
    const { activity } = this.options;
    const [projectionQueue, deadLetterQueue] = await Promise.all([
      this.options.projectionQueue.depth(),
      this.options.deadLetterQueue.depth(),
    ]);
    return {
      at: new Date((this.options.now ?? Date.now)()).toISOString(),
      source: 'in-process',
      stream: activity.streamProgress(),
      projectionQueue,
      deadLetterQueue,
      activity: { intervalSeconds: 1, points: activity.series() },
    };
  }
}
