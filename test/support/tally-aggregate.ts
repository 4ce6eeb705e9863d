import * as z from 'zod';
import type { CommandModel, CommandService } from '../../src/app/aggregate-commands.js';
import { CommandHeaders, serveCommand, serveHistory } from '../../src/app/http/command-glue.js';
import { createRoute, DocumentedRoutes } from '../../src/app/http/openapi-route.js';
import type { HttpEnv } from '../../src/app/http/request.js';
import { readJsonBody } from '../../src/app/http/request.js';
import { parseOrThrow } from '../../src/app/validation.js';
import { defineAggregate } from '../../src/composition/aggregate-module.js';
import { targetByField } from '../../src/core/command-target.js';
import { NotFoundError } from '../../src/core/errors.js';
import { createUpcaster, firstVersion } from '../../src/core/upcasting.js';

/**
 * A test-only aggregate, a tally with a unique label: the smallest one that uses every part
 * of a module (schema, target, completed input, upcasting, uniqueness, hooks, routes).
 */
const TallyCommand = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('OpenTally'),
    data: z.strictObject({ tallyId: z.string().min(1), label: z.string().min(1) }),
  }),
  z.strictObject({
    type: z.literal('AddToTally'),
    data: z.strictObject({
      tallyId: z.string().min(1),
      amount: z.number().int().positive(),
      expectedVersion: z.number().int().min(0).optional(),
    }),
  }),
]);
type TallyCommand = z.infer<typeof TallyCommand>;
type TallyEvent =
  | { type: 'TallyOpened'; data: { label: string } }
  | { type: 'TallyAdded'; data: { amount: number } };
type TallyState = { open: false } | { open: true; total: number };

export class TallyNotFoundError extends NotFoundError {
  override readonly code = 'TALLY_NOT_FOUND';
}

export const tallyModel = (
  afterCommand?: CommandModel<TallyState, TallyCommand, TallyEvent>['afterCommand'],
): CommandModel<TallyState, TallyCommand, TallyEvent> => ({
  type: 'Tally',
  decider: {
    initialState: () => ({ open: false }),
    decide: (command, state) => {
      if (command.type === 'OpenTally') {
        return state.open ? [] : [{ type: 'TallyOpened', data: { label: command.data.label } }];
      }
      if (!state.open) throw new TallyNotFoundError(`No tally ${command.data.tallyId}`);
      return [{ type: 'TallyAdded', data: { amount: command.data.amount } }];
    },
    evolve: (state, event) =>
      event.type === 'TallyOpened'
        ? { open: true, total: 0 }
        : { open: true, total: (state.open ? state.total : 0) + event.data.amount },
  },
  commandSchema: TallyCommand,
  commandTypes: TallyCommand.options.map((o) => o.shape.type.value),
  target: targetByField('tallyId'),
  completeCommand: (input, { commandId, newId }) => {
    const { type, data } = input as { type: string; data: Record<string, unknown> };
    if (type !== 'OpenTally' || data.tallyId !== undefined) return input;
    return { type, data: { tallyId: commandId ? `tally-${commandId}` : newId(), ...data } };
  },
  upcaster: createUpcaster<TallyEvent>({
    TallyOpened: firstVersion<{ label: string }>(),
    // v1 counted in tens; v2 in units.
    TallyAdded: firstVersion<{ tens: number }>().next(({ tens }) => ({ amount: tens * 10 })),
  }),
  snapshotSchemaVersion: 1,
  uniqueness: (_state, events) => ({
    claims: events.flatMap((e) =>
      e.type === 'TallyOpened' ? [{ scope: 'label', value: e.data.label }] : [],
    ),
    releases: [],
  }),
  notFound: (id) => new TallyNotFoundError(`No tally ${id}`),
  ...(afterCommand ? { afterCommand } : {}),
});

const TallyBody = z.strictObject({ label: z.string().min(1) });

const openTallyRoute = createRoute({
  method: 'post',
  path: '/tallies',
  operationId: 'openTally',
  role: 'customers:write',
  tags: ['commands'],
  summary: 'Open a tally',
  request: {
    headers: CommandHeaders,
    body: { content: { 'application/json': { schema: TallyBody } } },
  },
  responses: { 201: { description: 'Opened' } },
});

const tallyHistoryRoute = createRoute({
  method: 'get',
  path: '/tallies/{id}/events',
  operationId: 'getTallyHistory',
  role: 'customers:history',
  tags: ['commands'],
  summary: "A tally's events",
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: { description: 'The stream' } },
});

const tallyCommandRoutes = (commands: CommandService): DocumentedRoutes<HttpEnv> => {
  const routes = new DocumentedRoutes<HttpEnv>();
  serveCommand(routes, openTallyRoute, commands, {
    command: async (c) => ({
      type: 'OpenTally',
      data: parseOrThrow(TallyBody, await readJsonBody(c), 'request body'),
    }),
    status: 201,
    answer: ({ aggregateId, version }) => ({ tallyId: aggregateId, version }),
    location: ({ aggregateId }) => `/tallies/${aggregateId}`,
  });
  serveHistory(routes, tallyHistoryRoute, commands, (c) => c.req.param('id') ?? '');
  return routes;
};

/** The tally as a registered module: its own streams, no read model, command routes only. */
export const tallyModule = defineAggregate({
  ...tallyModel(),
  streamPrefix: 'TALLY',
  eventTypes: ['TallyOpened', 'TallyAdded'],
  viewTables: [],
  readModels: () => ({ projections: [], queries: undefined }),
  routes: { commands: tallyCommandRoutes },
});
