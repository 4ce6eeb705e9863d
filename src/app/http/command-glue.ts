import type { Context } from 'hono';
import * as z from 'zod';
import type { CommandMetadata, CommandOutcome, CommandService } from '../aggregate-commands.js';
import { IdempotencyKey } from '../command-metadata.js';
import { parseOrThrow } from '../validation.js';
import { type DocumentedRoutes, type ServiceRoute, serveRoute } from './openapi-route.js';
import type { HttpEnv } from './request.js';

/** The headers every command route declares. */
export const CommandHeaders = z.object({
  'Idempotency-Key': IdempotencyKey.optional().meta({
    description: 'A retry with the same key answers the first result and appends nothing',
  }),
});

/**
 * The command's metadata from the request: the idempotency key (refused before anything
 * else when it could not be stored), the correlation id and the caller.
 */
export const commandMetadata = (c: Context<HttpEnv>): CommandMetadata => {
  const headers = { 'Idempotency-Key': c.req.header('idempotency-key') };
  const commandId = parseOrThrow(CommandHeaders, headers, 'Idempotency-Key header')[
    'Idempotency-Key'
  ];
  const caller = c.get('caller');
  const meta: CommandMetadata = { correlationId: c.get('correlationId') ?? '' };
  if (commandId !== undefined) meta.commandId = commandId;
  if (caller) meta.actor = caller.actor;
  return meta;
};

export interface CommandRoute {
  /** The command (`{type, data}`) the request asks for: path and body read and validated. */
  command(c: Context<HttpEnv>): Promise<unknown>;
  /** 201 for a command that creates its stream; 200 by default. */
  status?: 200 | 201;
  /** The answer's body (the stream's id under its own name, and the new version). */
  answer(outcome: CommandOutcome): Record<string, unknown>;
  /** The created resource (`Location`), for a 201. */
  location?(outcome: CommandOutcome): string;
}

/**
 * Serves a command route: metadata, then the command, run once; answers the new version,
 * with `Idempotent-Replayed: true` when a retry was answered from the record.
 */
export const serveCommand = (
  routes: DocumentedRoutes<HttpEnv>,
  route: ServiceRoute,
  commands: CommandService,
  spec: CommandRoute,
): void =>
  serveRoute(routes, route, async (c) => {
    const meta = commandMetadata(c);
    const outcome = await commands.execute(await spec.command(c), meta);
    if (spec.location) c.header('location', spec.location(outcome));
    if (outcome.replayed) c.header('idempotent-replayed', 'true');
    return c.json(spec.answer(outcome), spec.status ?? 200);
  });

/** Serves a stream's history: its events in version order, in their latest shape. */
export const serveHistory = (
  routes: DocumentedRoutes<HttpEnv>,
  route: ServiceRoute,
  commands: Pick<CommandService, 'history'>,
  aggregateId: (c: Context<HttpEnv>) => string,
): void =>
  serveRoute(routes, route, async (c) =>
    c.json({ events: await commands.history(aggregateId(c)) }, 200),
  );
