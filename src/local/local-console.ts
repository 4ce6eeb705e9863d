import { SqsDeadLetterQueue } from '../adapters/sqs/dead-letter-queue.js';
import { SqsQueueDepth } from '../adapters/sqs/sqs-queue-depth.js';
import type { HttpAppDependencies } from '../app/http/app.js';
import { InMemoryConsoleAssets } from '../app/http/console-assets.js';
import { DeadLetterOperations } from '../app/operations/dead-letter-operations.js';
import { InProcessPipelineHealth } from '../app/operations/in-process-pipeline-health.js';
import { awsClients } from '../composition/aws-clients.js';
import { callBudget } from '../composition/call-budget.js';
import { bundleConsole } from '../console/bundle.js';
import type { LocalRuntime } from './runtime.js';

export interface LocalConsole {
  /** What `service.httpApp(sides, extras)` needs to serve `/console`, `/docs` and `/ops/*`. */
  extras: Pick<HttpAppDependencies, 'operations' | 'console' | 'activity'>;
  close(): Promise<void>;
}

/**
 * The console and the operations routes on the local runtime: the bundle built in memory
 * now (esbuild, a dev dependency, is there wherever `npm start` runs), pipeline health from
 * this process's counters and the emulator's queues.
 */
export const startLocalConsole = async (
  runtime: Pick<LocalRuntime, 'config' | 'service' | 'sqs' | 'activity'>,
): Promise<LocalConsole> => {
  const assets = new InMemoryConsoleAssets(await bundleConsole());
  const sqs = awsClients(callBudget(runtime.config)).sqs(runtime.sqs.clientConfig);
  const { events, views, repair } = runtime.service.auditSources;
  return {
    extras: {
      activity: runtime.activity,
      console: assets,
      operations: {
        health: new InProcessPipelineHealth({
          activity: runtime.activity,
          projectionQueue: new SqsQueueDepth({ client: sqs, queueUrl: runtime.sqs.queueUrl }),
          deadLetterQueue: new SqsQueueDepth({ client: sqs, queueUrl: runtime.sqs.dlqUrl }),
        }),
        audit: { events, views },
        repair,
        deadLetters: new DeadLetterOperations({
          // One emulator answers every receive: no need to wait for others to answer.
          queue: new SqsDeadLetterQueue({
            client: sqs,
            queueUrl: runtime.sqs.dlqUrl,
            waitTimeSeconds: 0,
          }),
          targetQueueUrl: runtime.sqs.queueUrl,
          streams: runtime.service.streamTypes,
        }),
      },
    },
    close: async () => sqs.destroy(),
  };
};
