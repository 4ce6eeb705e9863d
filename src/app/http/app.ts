import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import type { Logger } from '../../core/ports.js';
import { describeActor } from '../access/caller.js';
import { CorrelationId } from '../command-metadata.js';
import type { CustomerCommandService } from '../customer-commands.js';
import type { CustomerQueryService } from '../customer-queries.js';
import type { ServiceActivity } from '../operations/service-activity.js';
import { type Authenticate, openAccess } from './access-guard.js';
import { privateAnswers } from './answer-headers.js';
import { createCommandRoutes } from './command-routes.js';
import type { ConsoleAssets } from './console-assets.js';
import { createConsoleRoutes } from './console-routes.js';
import { browserWriteGuard, SAFE_METHODS } from './console-security.js';
import type { ConsoleSignInSettings } from './console-sign-in.js';
import { toErrorResponse } from './error-response.js';
import { openApiDocument } from './openapi-document.js';
import { createOperationsRoutes, type OperationsDependencies } from './operations-routes.js';
import { createQueryRoutes } from './query-routes.js';
import { type HttpEnv, HttpProtocolError, MAX_BODY_BYTES } from './request.js';

export interface HttpAppDependencies {
  commands?: CustomerCommandService;
  queries?: CustomerQueryService;
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
let document: ReturnType<typeof openApiDocument> | undefined;
const sharedDocument = () => {
  document ??= openApiDocument();
  return document;
};

export const createHttpApp = (deps: HttpAppDependencies): Hono<HttpEnv> => {
  const app = new Hono<HttpEnv>();

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
      route.startsWith('/customers') &&
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

  if (deps.commands) app.route('/', createCommandRoutes(deps.commands));
  if (deps.queries) app.route('/', createQueryRoutes(deps.queries));
  if (deps.operations) app.route('/', createOperationsRoutes(deps.operations));
  if (deps.console) app.route('/', createConsoleRoutes(deps.console, deps.consoleSignIn));
  app.get('/openapi.json', (c) => c.json(sharedDocument()));

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
