import * as z from 'zod';
import type { EventStore } from '../../core/event-store.js';
import { CustomerId } from '../../domain/customer/index.js';
import { type AuditFinding, type AuditViewSource, auditFindings } from '../audit.js';
import { auditCustomer } from '../operations/customer-audit.js';
import type { DeadLetterOperations } from '../operations/dead-letter-operations.js';
import type { PipelineHealthSource } from '../operations/pipeline-health.js';
import { parseOrThrow } from '../validation.js';
import { repairView, type ViewRepairSources } from '../view-repair.js';
import {
  commonErrors,
  errorContent,
  invalidInput,
  jsonContent,
  storeErrors,
} from './api-schemas.js';
import { createRoute, DocumentedRoutes, serveRoute } from './openapi-route.js';
import { type HttpEnv, readJsonBody } from './request.js';

/** What the read-only operations routes (and the dead-letter redrive) are built on. */
export interface OperationsDependencies {
  health: PipelineHealthSource;
  audit: { events: Pick<EventStore, 'readStream'>; views: AuditViewSource };
  deadLetters: DeadLetterOperations;
  /** Puts one view back to the fold of its stream (the event store and the live views). */
  repair: ViewRepairSources;
}

const QueueDepthBody = z.object({
  visible: z.number().int(),
  inFlight: z.number().int(),
  delayed: z.number().int(),
});
const HealthBody = z
  .object({
    at: z.string(),
    source: z.enum(['in-process', 'cloudwatch']),
    stream: z.object({
      lastSequenceNumber: z.string().optional(),
      lastPublishedAt: z.string().optional(),
      iteratorAgeMs: z.number().optional(),
      recordsPublished: z.number().int(),
    }),
    projectionQueue: QueueDepthBody,
    deadLetterQueue: QueueDepthBody,
    activity: z.object({
      intervalSeconds: z.number().int(),
      points: z.array(
        z.object({ at: z.number(), commands: z.number(), projectionLagMs: z.number().optional() }),
      ),
    }),
  })
  .meta({ id: 'PipelineHealth' });
const Finding = z.enum(auditFindings as [AuditFinding, ...AuditFinding[]]);
const AuditBody = z
  .object({
    customerId: z.string(),
    finding: Finding,
    fold: z.record(z.string(), z.unknown()).optional(),
    view: z.record(z.string(), z.unknown()).optional(),
    fields: z.array(z.string()),
    streamVersion: z.number().int(),
    error: z.string().optional(),
  })
  .meta({ id: 'CustomerAudit' });
const RepairBody = z
  .object({
    customerId: z.string(),
    finding: Finding.meta({ description: 'What the comparison with the stream found' }),
    fields: z.array(z.string()).meta({ description: 'Fields that differed from the fold' }),
    expectedVersion: z.number().int().optional(),
    actualVersion: z.number().int().optional(),
    rewritten: z.boolean().meta({ description: 'The view was put back to the fold' }),
    error: z.string().optional(),
  })
  .meta({ id: 'ViewRepair' });
const DeadLetterBody = z
  .object({
    messageId: z.string(),
    eventType: z.string().optional(),
    aggregateType: z.string().optional(),
    aggregateId: z.string().optional(),
    version: z.number().int().optional(),
    thin: z.boolean(),
    receiveCount: z.number().int().optional(),
    firstReceivedAt: z.string().optional(),
    sentAt: z.string().optional(),
    bodyError: z.string().optional(),
    bodyPreview: z.string(),
    diagnosis: z.object({
      messageId: z.string(),
      aggregateType: z.string().optional(),
      error: z.string().optional(),
      projection: z.string().optional(),
      streamVersion: z.number().int(),
    }),
  })
  .meta({ id: 'DeadLetter' });
const RedriveBody = z.strictObject({
  messageId: z.string().min(1, 'must not be empty').max(256).optional().meta({
    description: 'Only this message; every dead letter when absent',
  }),
});
const RedriveAnswer = z
  .object({
    moved: z.array(z.object({ messageId: z.string() }).loose()),
    skipped: z.number().int(),
    failed: z.array(z.object({ messageId: z.string(), reason: z.string() })),
  })
  .meta({ id: 'RedriveReport' });

export const pipelineHealthRoute = createRoute({
  method: 'get',
  path: '/ops/health',
  operationId: 'getPipelineHealth',
  role: 'ops:read',
  tags: ['operations'],
  summary: 'Stream position and lag, queue depths, and the last minutes of activity',
  responses: { 200: jsonContent(HealthBody, 'One reading of the pipeline'), ...commonErrors },
});

export const customerAuditRoute = createRoute({
  method: 'get',
  path: '/ops/customers/{id}/audit',
  operationId: 'auditCustomer',
  role: 'ops:read',
  tags: ['operations'],
  summary: 'One customer’s view beside the fold of its stream',
  request: { params: z.object({ id: CustomerId }) },
  responses: { 200: jsonContent(AuditBody, 'The comparison'), ...invalidInput, ...storeErrors },
});

export const customerRepairRoute = createRoute({
  method: 'post',
  path: '/ops/customers/{id}/repair',
  role: 'ops:write',
  operationId: 'repairCustomerView',
  tags: ['operations'],
  summary: 'Put one customer’s view back to the fold of its stream, even at the same version',
  description:
    'Compares the view with the fold of the stream as the audit does and, when they differ (missing, behind, ahead or different), rewrites the view conditionally on the item read. A 409 means other writers kept changing the view; try again.',
  request: { params: z.object({ id: CustomerId }) },
  responses: {
    200: jsonContent(RepairBody, 'What was found, and whether the view was rewritten'),
    409: errorContent('The view kept changing between the read and the rewrite'),
    ...invalidInput,
    ...storeErrors,
  },
});

export const deadLettersRoute = createRoute({
  method: 'get',
  path: '/ops/dead-letters',
  operationId: 'listDeadLetters',
  role: 'ops:read',
  tags: ['operations'],
  summary: 'The projection’s dead letters, each with why the projector fails on it now',
  responses: {
    200: jsonContent(z.object({ deadLetters: z.array(DeadLetterBody) }), 'The dead letters'),
    // Each diagnosis reads the letter's stream.
    ...storeErrors,
  },
});

export const redriveRoute = createRoute({
  method: 'post',
  path: '/ops/dead-letters/redrive',
  operationId: 'redriveDeadLetters',
  role: 'ops:write',
  tags: ['operations'],
  summary: 'Send dead letters back to the projection queue (fix the cause first)',
  request: { body: { content: { 'application/json': { schema: RedriveBody } }, required: true } },
  responses: {
    200: jsonContent(RedriveAnswer, 'What moved'),
    ...invalidInput,
    ...commonErrors,
  },
});

/** Read-only views of the pipeline and of one customer, the dead-letter redrive and the view repair. */
export const createOperationsRoutes = (ops: OperationsDependencies): DocumentedRoutes<HttpEnv> => {
  const app = new DocumentedRoutes<HttpEnv>();

  serveRoute(app, pipelineHealthRoute, async (c) => c.json(await ops.health.read(), 200));

  serveRoute(app, customerAuditRoute, async (c) => {
    const id = parseOrThrow(CustomerId, c.req.param('id') ?? '', 'customer id', 'id');
    return c.json(await auditCustomer(id, ops.audit), 200);
  });

  serveRoute(app, customerRepairRoute, async (c) => {
    const id = parseOrThrow(CustomerId, c.req.param('id') ?? '', 'customer id', 'id');
    const { aggregateId, ...repair } = await repairView(id, ops.repair);
    return c.json({ customerId: aggregateId, ...repair }, 200);
  });

  serveRoute(app, deadLettersRoute, async (c) =>
    c.json({ deadLetters: await ops.deadLetters.list() }, 200),
  );

  serveRoute(app, redriveRoute, async (c) => {
    const body = parseOrThrow(RedriveBody, await readJsonBody(c), 'request body');
    return c.json(await ops.deadLetters.redrive(body), 200);
  });

  return app;
};
