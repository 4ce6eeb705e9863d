import { Ajv2020 } from 'ajv/dist/2020.js';

/** A request as a test sent it. */
export interface SentRequest {
  method: string;
  /** Path and query string, e.g. `/customers/search?email=a`. */
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: object;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: object }> };
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, object> };
}

const DOCUMENT_ID = 'urn:customer-service:openapi';

/** `#/components/...` refers into the document; ajv knows the document by its id. */
const anchored = (schema: unknown): unknown => {
  if (Array.isArray(schema)) return schema.map(anchored);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) =>
      key === '$ref' && typeof value === 'string' && value.startsWith('#/')
        ? [key, `${DOCUMENT_ID}${value}`]
        : [key, anchored(value)],
    ),
  );
};

const templateMatcher = (template: string) => {
  const names: string[] = [];
  const source = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const pattern = new RegExp(`^${source}$`);
  return (path: string): Record<string, string> | undefined => {
    const match = pattern.exec(path);
    if (!match) return undefined;
    return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1] ?? '')]));
  };
};

/**
 * Checks requests against an OpenAPI 3.1 document, as a client generated from it would
 * build them: a documented path and method, the parameters' schemas, the JSON body's schema.
 * Answers the problems found, none when the request conforms.
 */
export const openApiRequestValidator = (document: OpenApiDocument) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: DOCUMENT_ID, components: anchored(document.components ?? {}) });
  // Literal paths before templated ones, as the router matches them.
  const templates = Object.keys(document.paths)
    .sort((a, b) => Number(a.includes('{')) - Number(b.includes('{')))
    .map((template) => ({ template, match: templateMatcher(template) }));
  const check = (schema: object | undefined, value: unknown, where: string): string[] => {
    if (!schema) return [];
    const validate = ajv.compile(anchored(schema) as object);
    return validate(value)
      ? []
      : (validate.errors ?? []).map((e) => `${where}${e.instancePath}: ${e.message}`);
  };

  return (request: SentRequest): string[] => {
    const url = new URL(request.url, 'http://localhost');
    const found = templates
      .map(({ template, match }) => ({ template, params: match(url.pathname) }))
      .find((m) => m.params !== undefined);
    if (!found?.params) return [`${request.method} ${url.pathname}: no documented path`];
    const operation = document.paths[found.template]?.[request.method.toLowerCase()];
    if (!operation) return [`${request.method} ${found.template}: method not documented`];
    const headers = Object.fromEntries(
      Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const problems: string[] = [];
    for (const parameter of operation.parameters ?? []) {
      const value =
        parameter.in === 'path'
          ? found.params[parameter.name]
          : parameter.in === 'query'
            ? (url.searchParams.get(parameter.name) ?? undefined)
            : parameter.in === 'header'
              ? headers[parameter.name.toLowerCase()]
              : undefined;
      if (value === undefined) {
        if (parameter.required) problems.push(`${parameter.in} ${parameter.name}: required`);
        continue;
      }
      problems.push(...check(parameter.schema, value, `${parameter.in} ${parameter.name}`));
    }
    const body = operation.requestBody;
    const text = request.body ?? '';
    if (body && text.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return [...problems, 'body: not JSON'];
      }
      problems.push(...check(body.content?.['application/json']?.schema, parsed, 'body'));
    } else if (body?.required) {
      problems.push('body: required');
    } else if (!body && text.trim() !== '') {
      problems.push('body: the operation takes none');
    }
    return problems;
  };
};
