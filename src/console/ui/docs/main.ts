import '../console.css';
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { describeError, getJson } from '../api.js';
import { Layout } from '../layout.js';
import { type Components, type JsonSchema, SchemaView, typeOf } from './schema-view.js';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
}
interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<
    string,
    { description?: string; content?: Record<string, { schema?: JsonSchema }> }
  >;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Components };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Descriptions mark code with backticks, as Markdown does; nothing else is interpreted. */
const Prose = (props: { text: string }) =>
  h(
    'span',
    null,
    props.text.split('`').map((part, i) => (i % 2 === 1 ? h('code', { key: i }, part) : part)),
  );
const anchor = (method: string, path: string) =>
  `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;

const OperationView = (props: {
  method: string;
  path: string;
  op: Operation;
  components: Components;
}) => {
  const { method, path, op, components } = props;
  const body = op.requestBody?.content?.['application/json'];
  return h(
    'section',
    {
      class: 'panel operation',
      id: anchor(method, path),
      'aria-label': `${method.toUpperCase()} ${path}`,
    },
    h(
      'h3',
      null,
      h('span', { class: `method ${method}` }, method.toUpperCase()),
      h('code', null, path),
      h('span', null, op.summary ?? ''),
    ),
    op.description ? h('p', null, h(Prose, { text: op.description })) : null,
    op.parameters?.length
      ? h(
          'table',
          { class: 'fields' },
          h('caption', null, 'Parameters'),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Name', 'In', 'Type', 'Required'].map((t) => h('th', { scope: 'col', key: t }, t)),
            ),
          ),
          h(
            'tbody',
            null,
            op.parameters.map((p) =>
              h(
                'tr',
                { key: `${p.in}-${p.name}` },
                h('th', { scope: 'row' }, h('code', null, p.name)),
                h('td', null, p.in),
                h(
                  'td',
                  null,
                  h('code', null, typeOf(p.schema)),
                  p.description
                    ? h('div', { class: 'muted' }, h(Prose, { text: p.description }))
                    : null,
                ),
                h('td', null, p.required ? 'yes' : 'no'),
              ),
            ),
          ),
        )
      : null,
    body
      ? h(
          'div',
          null,
          h(
            'h4',
            null,
            `Request body (application/json${op.requestBody?.required ? '' : ', optional'})`,
          ),
          h(SchemaView, { schema: body.schema, components }),
        )
      : null,
    h('h4', null, 'Responses'),
    h(
      'ul',
      null,
      Object.entries(op.responses ?? {}).map(([status, answer]) => {
        const schema = answer.content?.['application/json']?.schema;
        return h(
          'li',
          { key: status },
          h('strong', null, status),
          ' ',
          h(Prose, { text: answer.description ?? '' }),
          schema ? h('span', { class: 'muted' }, ' — ', typeOf(schema)) : null,
        );
      }),
    ),
  );
};

const Reference = () => {
  const [doc, setDoc] = useState<OpenApiDocument | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    getJson<OpenApiDocument>('/openapi.json').then(setDoc, (failure) =>
      setError(describeError(failure)),
    );
  }, []);
  if (error) return h('p', { class: 'error', role: 'alert' }, error);
  if (!doc) return h('p', { class: 'muted' }, 'Loading /openapi.json…');
  const components = doc.components?.schemas ?? {};
  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({
      path,
      method,
      op: item[method] as Operation,
    })),
  );
  const tags = doc.tags?.map((t) => t.name) ?? [];
  const tagOf = (op: Operation) => op.tags?.[0] ?? 'other';
  const groups = [
    ...tags,
    ...new Set(operations.map((o) => tagOf(o.op)).filter((t) => !tags.includes(t))),
  ];
  return h(
    'div',
    { class: 'docs' },
    h(
      'p',
      null,
      h(Prose, { text: doc.info.description ?? '' }),
      ' ',
      h('a', { href: '/openapi.json' }, `OpenAPI ${doc.openapi} document`),
      `, version ${doc.info.version}.`,
    ),
    h(
      'div',
      { class: 'layout' },
      h(
        'nav',
        { class: 'panel toc', 'aria-label': 'Operations' },
        groups.map((group) =>
          h(
            'div',
            { key: group },
            h('h2', null, group),
            h(
              'ul',
              null,
              operations
                .filter((o) => tagOf(o.op) === group)
                .map((o) =>
                  h(
                    'li',
                    { key: anchor(o.method, o.path) },
                    h(
                      'a',
                      { href: `#${anchor(o.method, o.path)}` },
                      h('span', { class: `method ${o.method}` }, o.method.toUpperCase()),
                      ' ',
                      o.path,
                    ),
                  ),
                ),
            ),
          ),
        ),
        h('h2', null, 'Schemas'),
        h(
          'ul',
          null,
          Object.keys(components).map((name) =>
            h('li', { key: name }, h('a', { href: `#schema-${name}` }, name)),
          ),
        ),
      ),
      h(
        'div',
        null,
        groups.map((group) =>
          h(
            'div',
            { key: group },
            h(
              'h2',
              null,
              group,
              h(
                'span',
                { class: 'muted' },
                ` — ${doc.tags?.find((t) => t.name === group)?.description ?? ''}`,
              ),
            ),
            operations
              .filter((o) => tagOf(o.op) === group)
              .map((o) => h(OperationView, { key: anchor(o.method, o.path), ...o, components })),
          ),
        ),
        h('h2', null, 'Schemas'),
        Object.entries(components).map(([name, schema]) =>
          h(
            'section',
            { key: name, id: `schema-${name}`, class: 'panel' },
            h('h3', null, name),
            h(SchemaView, { schema, components }),
          ),
        ),
      ),
    ),
  );
};

const root = document.getElementById('app');
if (root) {
  document.title = 'API reference · Customer service';
  render(h(Layout, { title: 'API reference', path: '/docs' }, h(Reference, null)), root);
}
