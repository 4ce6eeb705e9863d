import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import type { Logger } from '../../core/ports.js';
import { describeActor } from '../access/caller.js';
import { CorrelationId } from '../command-metadata.js';
import type { ServiceActivity } from '../operations/service-activity.js';
import { type Authenticate, openAccess } from './access-guard.js';
import { privateAnswers } from './answer-headers.js';
import type { ConsoleAssets } from './console-assets.js';
import { createConsoleRoutes } from './console-routes.js';
import { browserWriteGuard, SAFE_METHODS } from './console-security.js';
import type { ConsoleSignInSettings } from './console-sign-in.js';
import { toErrorResponse } from './error-response.js';
import { openApiDocument } from './openapi-document.js';
import { type DocumentedRoutes, honoPath } from './openapi-route.js';
import { createOperationsRoutes, type OperationsDependencies } from './operations-routes.js';
import { type HttpEnv, HttpProtocolError, MAX_BODY_BYTES } from './request.js';

export interface HttpAppDependencies {
  /** The registered aggregates whose routes the document describes (`AGGREGATES` when absent). */
  aggregates?: Aggregates;
  /** The registered aggregates' command routes (writes and histories), mounted in order. */
  commands?: readonly DocumentedRoutes<HttpEnv>[];
  /** The registered aggregates' query routes, mounted in order. */
  queries?: readonly DocumentedRoutes<HttpEnv>[];
  /** Pipeline health, the per-customer audit and the dead-letter redrive (`/ops/*`). */
  operations?: OperationsDependencies;
  /** The console's bundle: with it the app serves `/console` and `/docs`. */
  console?: ConsoleAssets;
  /** The issuer the console signs in with (`/console/auth.json`); none: it does not sign in. */
  consoleSignIn?: ConsoleSignInSettings;
  /** Counts the commands answered, for the console's live chart. */
  activity?: ServiceActivity;
  logger?: Logger;
  /**
   * How callers are named, for the role every route checks: API Gateway's authoriser on
   * Lambda, a bearer token with `npm start -- --auth=oidc`; open (the local developer holds
   * every role) when absent.
   */
  authenticate?: Authenticate;
}

/**
 * The service's HTTP API, the same app behind API Gateway (through `hono/aws-lambda`) and
 * on the local port (through `@hono/node-server`).
 */
/**
 * Built on the first request, from the schemas that validate requests, and shared by every
 * app of the process: a cold start that is never asked for it does not pay for it.
 */
type Aggregates = NonNullable<Parameters<typeof openApiDocument>[0]>;
const documents = new WeakMap<Aggregates, ReturnType<typeof openApiDocument>>();
let defaultDocument: ReturnType<typeof openApiDocument> | undefined;
const sharedDocument = (aggregates: Aggregates | undefined) => {
  if (!aggregates) {
    defaultDocument ??= openApiDocument();
    return defaultDocument;
  }
  const document = documents.get(aggregates) ?? openApiDocument(aggregates);
  documents.set(aggregates, document);
  return document;
};

/** `POST /customers/:id/suspend`: how a served route is named once matched. */
const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

export const createHttpApp = (deps: HttpAppDependencies): Hono<HttpEnv> => {
  const app = new Hono<HttpEnv>();
  const commandRoutes = new Set(
    (deps.commands ?? []).flatMap((routes) =>
      routes.documented.map((route) => routeKey(route.method, honoPath(route.path))),
    ),
  );

  // One structured line per request, keyed by correlation id. The route pattern, never the
  // raw path or query string: searches carry email addresses there.
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const route = matchedRoutes(c).find((r) => r.method !== 'ALL')?.path ?? '(none)';
    const caller = c.get('caller');
    if (
      deps.activity &&
      !SAFE_METHODS.has(c.req.method) &&
      commandRoutes.has(routeKey(c.req.method, route)) &&
      c.res.status < 300
    ) {
      deps.activity.commandAnswered();
    }
    deps.logger?.info('request', {
      method: c.req.method,
      route,
      status: c.res.status,
      durationMs: Math.round(performance.now() - started),
      correlationId: c.get('correlationId'),
      ...(caller ? { actor: describeActor(caller.actor) } : {}),
    });
  });
  // Outside every refusal, so errors and unknown routes carry the headers too.
  app.use(privateAnswers);
  app.use(async (c, next) => {
    c.set('authenticate', deps.authenticate ?? openAccess);
    const given = c.req.header('x-correlation-id');
    const correlationId = given && CorrelationId.safeParse(given).success ? given : randomUUID();
    c.set('correlationId', correlationId);
    c.header('x-correlation-id', correlationId);
    await next();
  });
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new HttpProtocolError(
          413,
          'PAYLOAD_TOO_LARGE',
          `The body must be at most ${MAX_BODY_BYTES} bytes`,
        );
      },
    }),
  );

  app.use(browserWriteGuard);

  for (const routes of [...(deps.commands ?? []), ...(deps.queries ?? [])]) app.route('/', routes);
  if (deps.operations) app.route('/', createOperationsRoutes(deps.operations));
  if (deps.console) app.route('/', createConsoleRoutes(deps.console, deps.consoleSignIn));
  app.get('/openapi.json', (c) => c.json(sharedDocument(deps.aggregates)));

  app.notFound((c) =>
    c.json(
      { error: { code: 'ROUTE_NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}` } },
      404,
    ),
  );
  app.onError((error, c) => {
    if (error instanceof HttpProtocolError) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      const { code, message, details } = error;
      return c.json({ error: { code, message, ...(details ? { details } : {}) } }, error.status);
    }
    const answer = toErrorResponse(error, c.get('correlationId') ?? randomUUID(), deps.logger);
    for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
    return c.json(answer.body, answer.status as 400);
  });
  return app;
};
