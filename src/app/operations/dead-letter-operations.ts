import type { DeadLetter, RedriveReport } from '../../adapters/sqs/dead-letter-queue.js';
import type { StreamTypes } from '../../core/stream-types.js';
import { type Diagnosis, diagnose } from '../dead-letter-diagnosis.js';

/** The dead-letter queue as the operations routes use it (`SqsDeadLetterQueue`). */
export interface DeadLetterQueuePort {
  list(options?: { max?: number }): Promise<DeadLetter[]>;
  redrive(options: {
    targetQueueUrl: string;
    aggregateId?: string;
    messageId?: string;
    max?: number;
  }): Promise<RedriveReport>;
}

export interface DiagnosedDeadLetter extends DeadLetter {
  diagnosis: Diagnosis;
}

/** Lists dead letters with why the projector fails on them now; redrives one or all. */
export class DeadLetterOperations {
  constructor(
    private readonly options: {
      queue: DeadLetterQueuePort;
      /** The projection queue, where a redriven message goes. */
      targetQueueUrl: string;
      /** Every registered stream type: a letter's stream is diagnosed by its type. */
      streams: StreamTypes;
      maxListed?: number;
    },
  ) {}

  async list(): Promise<DiagnosedDeadLetter[]> {
    const letters = await this.options.queue.list({ max: this.options.maxListed ?? 100 });
    return Promise.all(
      letters.map(async (letter) => ({
        ...letter,
        diagnosis: await diagnose(letter, this.options.streams),
      })),
    );
  }

  /** All dead letters, or the one with `messageId`. */
  redrive(filter: { messageId?: string }): Promise<RedriveReport> {
    return this.options.queue.redrive({
      targetQueueUrl: this.options.targetQueueUrl,
      ...(filter.messageId === undefined ? {} : { messageId: filter.messageId }),
    });
  }
}
