import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { createCommandRoutes } from './command-routes.js';
import { createOperationsRoutes } from './operations-routes.js';
import { createQueryRoutes } from './query-routes.js';

export const API_TITLE = 'Customer service';
export const API_VERSION = '1';

/**
 * The generator writes a regex with flags as `source/flags` (`^[^\p{Cc}]*$/u`), which no
 * JSON Schema validator reads as intended. Patterns are ECMA-262 with the `u` flag assumed,
 * so the flags can go.
 */
const FLAGS_SUFFIX = /\/[dgimsuvy]+$/;
const withoutRegexFlags = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(withoutRegexFlags);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) =>
      key === 'pattern' && typeof value === 'string'
        ? [key, value.replace(FLAGS_SUFFIX, '')]
        : [key, withoutRegexFlags(value)],
    ),
  );
};

/** Stands in for a service when routes are built only to be described. */
const describedOnly = new Proxy(
  {},
  {
    get: () => {
      throw new TypeError('routes built for the OpenAPI document serve nothing');
    },
  },
) as never;

/**
 * The OpenAPI 3.1 document of every route of the service, whichever part this process
 * serves (on AWS the command and query functions each serve theirs): the route factories
 * are run without services, for their declarations only.
 */
export const openApiDocument = () => {
  const registry = new OpenAPIRegistry();
  for (const routes of [
    createCommandRoutes(describedOnly),
    createQueryRoutes(describedOnly),
    createOperationsRoutes(describedOnly),
  ]) {
    for (const route of routes.documented) registry.registerPath(route);
  }
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description:
        'Commands change customers and answer the new stream version; queries read the read model, which may trail by a moment (`minVersion` waits for it).',
    },
    tags: [
      { name: 'commands', description: 'Writes to the event store' },
      { name: 'queries', description: 'Reads of the read model' },
      { name: 'operations', description: 'Read-only pipeline health and audit; dead letters' },
    ],
  });
  return withoutRegexFlags(document) as typeof document;
};
