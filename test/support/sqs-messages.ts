import type { SQSEvent, SQSRecord } from 'aws-lambda';

let counter = 0;

/** An SQS record as the Lambda event source mapping hands it over. */
export const sqsRecord = (body: string): SQSRecord => {
  const messageId = `msg-${counter++}`;
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'sender',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:projector',
    awsRegion: 'eu-west-1',
  };
};

export const sqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });

export const inBatches = <T>(items: T[], size: number): T[][] => {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
};
