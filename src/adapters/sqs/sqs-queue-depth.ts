import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth, QueueDepthSource } from '../../app/operations/pipeline-health.js';

const count = (value: string | undefined): number => {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : 0;
};

/** A queue's depth from `GetQueueAttributes`, on AWS or the local emulator. */
export class SqsQueueDepth implements QueueDepthSource {
  constructor(private readonly options: { client: SQSClient; queueUrl: string }) {}

  async depth(): Promise<QueueDepth> {
    const { Attributes = {} } = await this.options.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return {
      visible: count(Attributes.ApproximateNumberOfMessages),
      inFlight: count(Attributes.ApproximateNumberOfMessagesNotVisible),
      delayed: count(Attributes.ApproximateNumberOfMessagesDelayed),
    };
  }
}
