import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableDefinition } from '../adapters/dynamodb/table-definitions.js';
import type { AggregateCommand, CommandModel, CommandService } from '../app/aggregate-commands.js';
import type { DocumentedRoutes } from '../app/http/openapi-route.js';
import type { HttpEnv } from '../app/http/request.js';
import type { Config } from '../config.js';
import type { DomainEvent } from '../core/event.js';
import type { EventStore, StreamCatalog } from '../core/event-store.js';
import type { Metrics } from '../core/metrics.js';
import type { Logger } from '../core/ports.js';
import type { ProjectionBinding } from '../core/stream-types.js';

/**
 * A read model's table, declared by the module whose projection writes it. The stack
 * creates it, `npm start` creates it locally, and the service learns its name from the
 * settings: the id `views` is the Customer views' `QUERY_TABLE` (named so before modules
 * existed); any other id is a key of `VIEW_TABLES`.
 */
export interface ViewTableDeclaration {
  /** Unique across the modules: `views`, `LoyaltyAccountViews`. */
  readonly id: string;
  readonly definition: TableDefinition;
}

/** The id of the table the Customer views have always had (`QUERY_TABLE`). */
export const LEGACY_VIEWS_TABLE_ID = 'views';

/** The name of a declared view table in this deployment; throws naming the id when unset. */
export const viewTableName = (
  config: Pick<Config, 'QUERY_TABLE' | 'VIEW_TABLES'>,
  id: string,
): string => {
  if (id === LEGACY_VIEWS_TABLE_ID) return config.QUERY_TABLE;
  const name = config.VIEW_TABLES[id];
  if (name === undefined) {
    throw new TypeError(`VIEW_TABLES names no table for the view table ${JSON.stringify(id)}`);
  }
  return name;
};

/**
 * What an aggregate declares to be registered once in the composition root (see
 * `docs/architecture.md`). These fields are plain data, read by the stack, local table
 * creation and the bus rule without building anything; the parts that run (decider,
 * command service, projections, routes) are built from the rest of the declaration.
 */
export interface AggregateDeclaration {
  /** On every envelope, bus event and queue message (`Customer`); unique across modules. */
  readonly type: string;
  /** Partition-key prefix of its streams without the `#` the store adds (`CUSTOMER`); unique. */
  readonly streamPrefix: string;
  /** Every event type it writes, by latest name: the bus rule's pattern is the union of these. */
  readonly eventTypes: readonly string[];
  /** The tables its read models live in. */
  readonly viewTables: readonly ViewTableDeclaration[];
}

/** What a module's read models are built from: one per service, its store and view tables. */
export interface ModuleContext {
  readonly config: Config;
  readonly dynamodb: DynamoDBDocumentClient;
  /** The table of one of its declared view tables (`viewTableName(config, id)` by default). */
  readonly viewTableName: (id: string) => string;
  /** Its own streams, decoded (personal data decrypted): what queries and catch-up read. */
  readonly events: EventStore & StreamCatalog;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** A module's read side: the projections its streams feed, and the queries its routes serve. */
export interface ReadModels<Queries> {
  readonly projections: readonly ProjectionBinding[];
  readonly queries: Queries;
}

/**
 * A module's HTTP routes by the function that serves them on AWS, each with its roles
 * (`createRoute`). Built from the module's services; the route catalog (OpenAPI document,
 * API Gateway routes, IAM policies) builds them without services, for their declarations.
 */
export interface ModuleRoutes<Queries> {
  readonly commands?: (commands: CommandService) => DocumentedRoutes<HttpEnv>;
  readonly queries?: (queries: Queries) => DocumentedRoutes<HttpEnv>;
}

/**
 * One aggregate, registered once (`src/composition/aggregates.ts`): its declaration, the
 * pure parts its command service runs (decider, command schema, event versions, snapshot
 * version, uniqueness, personal data, hooks), its read models and its routes. The
 * composition root builds its store, command service, projections and routes from it.
 */
export interface AggregateModule<
  State = unknown,
  Command extends AggregateCommand = AggregateCommand,
  Event extends DomainEvent = DomainEvent,
  Queries = unknown,
> extends AggregateDeclaration,
    CommandModel<State, Command, Event> {
  readonly readModels: (context: ModuleContext) => ReadModels<Queries>;
  readonly routes: ModuleRoutes<Queries>;
}

/**
 * A module as the registration list holds it, its types erased: the composition root
 * treats every module alike. `defineAggregate` checks a module against its own types first.
 */
export type RegisteredAggregate = AggregateModule<unknown, AggregateCommand, DomainEvent, unknown>;

/** Checks a module against its State, Command, Event and Queries, and erases them for the list. */
export const defineAggregate = <
  State,
  Command extends AggregateCommand,
  Event extends DomainEvent,
  Queries,
>(
  module: AggregateModule<State, Command, Event, Queries>,
): RegisteredAggregate & AggregateModule<State, Command, Event, Queries> =>
  // Sound as the composition uses it: a module's parts only ever meet each other.
  module as RegisteredAggregate & AggregateModule<State, Command, Event, Queries>;
