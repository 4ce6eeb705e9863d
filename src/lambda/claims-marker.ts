import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { markIfEmpty } from '../adapters/dynamodb/hashed-claims-marker.js';
import { awsClients } from '../composition/aws-clients.js';
import { callBudget } from '../composition/call-budget.js';
import { readConfig } from '../config.js';

const config = readConfig();
const dynamodb = awsClients(callBudget(config)).dynamodb();

/**
 * The stack's custom resource (through CDK's provider framework): when it is created, it marks
 * the event store as holding hashed email claims only if it finds the table empty, which is
 * the case for a stack deployed fresh, and never for one upgraded with events in it (that one
 * keeps checking plaintext claims until `npm run encrypt-legacy` marks it). An update or a
 * delete changes nothing: the marker says what the table held when it was created.
 */
export const handler = async (event: CloudFormationCustomResourceEvent) => {
  const physicalResourceId =
    event.RequestType === 'Create'
      ? `hashed-claims-marker-${config.COMMAND_TABLE}`
      : event.PhysicalResourceId;
  if (event.RequestType !== 'Create') return { PhysicalResourceId: physicalResourceId };
  const marked = await markIfEmpty(dynamodb, config.COMMAND_TABLE);
  return { PhysicalResourceId: physicalResourceId, Data: { Marked: String(marked) } };
};
