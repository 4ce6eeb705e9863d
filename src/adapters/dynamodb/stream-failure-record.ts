import * as z from 'zod';

/**
 * What a DynamoDB stream event source mapping sends to its on-failure destination when a
 * batch ran out of retries: not the records, only where they are in the stream.
 */
export const StreamFailureRecord = z.looseObject({
  requestContext: z.looseObject({
    requestId: z.string(),
    functionArn: z.string(),
    condition: z.string(),
    approximateInvokeCount: z.number(),
  }),
  responseContext: z.looseObject({
    statusCode: z.number().optional(),
    executedVersion: z.string().optional(),
    functionError: z.string().optional(),
  }),
  version: z.string(),
  timestamp: z.string(),
  DDBStreamBatchInfo: z.object({
    shardId: z.string(),
    startSequenceNumber: z.string(),
    endSequenceNumber: z.string(),
    approximateArrivalOfFirstRecord: z.string(),
    approximateArrivalOfLastRecord: z.string(),
    batchSize: z.number(),
    streamArn: z.string(),
  }),
});
export type StreamFailureRecord = z.infer<typeof StreamFailureRecord>;
