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
  schema?: { type?: string };
}
interface Header {
  required?: boolean;
  schema?: object;
}
export interface DocumentedResponse {
  description?: string;
  headers?: Record<string, Header>;
  content?: Record<string, { schema?: object }>;
}
export interface Operation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: object }> };
  responses?: Record<string, DocumentedResponse>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, object> };
}

/** An answer as a test received it. */
export interface ReceivedResponse {
  status: number;
  headers: Headers;
  /** The body's text; empty when there was none. */
  body: string;
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
 * A query, path or header parameter arrives as text; an `integer` one is sent as its decimal
 * digits (OpenAPI's simple and form styles), so only digits become a number here. Anything
 * else stays text and breaks the schema's type.
 */
const parameterValue = (parameter: Parameter, text: string): unknown =>
  parameter.schema?.type === 'integer' && /^-?\d+$/.test(text) ? Number(text) : text;

export type Found =
  | { problem: string }
  | { template: string; params: Record<string, string>; operation: Operation };

/** The document's operations, found by method and concrete path as the router finds them. */
export const operationFinder = (document: OpenApiDocument) => {
  // Literal paths before templated ones, as the router matches them.
  const templates = Object.keys(document.paths)
    .sort((a, b) => Number(a.includes('{')) - Number(b.includes('{')))
    .map((template) => ({ template, match: templateMatcher(template) }));
  return (method: string, pathname: string): Found => {
    const found = templates
      .map(({ template, match }) => ({ template, params: match(pathname) }))
      .find((m) => m.params !== undefined);
    if (!found?.params) return { problem: `${method} ${pathname}: no documented path` };
    const operation = document.paths[found.template]?.[method.toLowerCase()];
    if (!operation) return { problem: `${method} ${found.template}: method not documented` };
    return { template: found.template, params: found.params, operation };
  };
};

const schemaChecker = (document: OpenApiDocument) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: DOCUMENT_ID, components: anchored(document.components ?? {}) });
  const compiled = new Map<object, ReturnType<typeof ajv.compile>>();
  return (schema: object | undefined, value: unknown, where: string): string[] => {
    if (!schema) return [];
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(anchored(schema) as object);
      compiled.set(schema, validate);
    }
    return validate(value)
      ? []
      : (validate.errors ?? []).map((e) => `${where}${e.instancePath}: ${e.message}`);
  };
};

/**
 * Checks requests against an OpenAPI 3.1 document, as a client generated from it would
 * build them: a documented path and method, the parameters' schemas, the JSON body's schema.
 * Answers the problems found, none when the request conforms.
 */
export const openApiRequestValidator = (document: OpenApiDocument) => {
  const find = operationFinder(document);
  const check = schemaChecker(document);

  return (request: SentRequest): string[] => {
    const url = new URL(request.url, 'http://localhost');
    const found = find(request.method, url.pathname);
    if ('problem' in found) return [found.problem];
    const { operation, params } = found;
    const headers = Object.fromEntries(
      Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const problems: string[] = [];
    for (const parameter of operation.parameters ?? []) {
      const value =
        parameter.in === 'path'
          ? params[parameter.name]
          : parameter.in === 'query'
            ? (url.searchParams.get(parameter.name) ?? undefined)
            : parameter.in === 'header'
              ? headers[parameter.name.toLowerCase()]
              : undefined;
      if (value === undefined) {
        if (parameter.required) problems.push(`${parameter.in} ${parameter.name}: required`);
        continue;
      }
      problems.push(
        ...check(
          parameter.schema,
          parameterValue(parameter, value),
          `${parameter.in} ${parameter.name}`,
        ),
      );
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

/**
 * Checks an answer against what the document promises for the request's operation: its
 * status is listed, every required header is there, every declared header present has a
 * value its schema takes, and the body is of a declared media type and matches its schema.
 * Answers the problems found, none when the answer conforms.
 */
export const openApiResponseChecker = (document: OpenApiDocument) => {
  const find = operationFinder(document);
  const check = schemaChecker(document);

  return (request: Pick<SentRequest, 'method' | 'url'>, response: ReceivedResponse): string[] => {
    const url = new URL(request.url, 'http://localhost');
    const found = find(request.method, url.pathname);
    if ('problem' in found) return [found.problem];
    const where = `${request.method} ${found.template} → ${response.status}`;
    const documented =
      found.operation.responses?.[String(response.status)] ?? found.operation.responses?.default;
    if (!documented) return [`${where}: status not documented`];
    const problems: string[] = [];
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      const value = response.headers.get(name);
      if (value === null) {
        if (header.required) problems.push(`${where}: header ${name} missing`);
        continue;
      }
      problems.push(...check(header.schema, value, `${where}: header ${name}`));
    }
    const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    if (response.body === '') {
      if (documented.content) problems.push(`${where}: body missing`);
      return problems;
    }
    const media = documented.content?.[type];
    if (!media) return [...problems, `${where}: body of undocumented type "${type}"`];
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      return [...problems, `${where}: body is not JSON`];
    }
    problems.push(...check(media.schema, parsed, `${where}: body`));
    return problems;
  };
};
