import { type ComponentChildren, h } from 'preact';

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  description?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

export type Components = Record<string, JsonSchema>;

const refName = (ref: string): string => ref.split('/').at(-1) ?? ref;

/** A one-line description of a schema's type and constraints. */
export const typeOf = (schema: JsonSchema | undefined): string => {
  if (!schema) return 'any';
  if (schema.$ref) return refName(schema.$ref);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.map(typeOf).join(' | ');
  if (schema.type === 'array') return `${typeOf(schema.items)}[]`;
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any');
  const limits = [
    schema.format,
    schema.minLength === undefined ? undefined : `min length ${schema.minLength}`,
    schema.maxLength === undefined ? undefined : `max length ${schema.maxLength}`,
    schema.minimum === undefined ? undefined : `≥ ${schema.minimum}`,
    schema.maximum === undefined ? undefined : `≤ ${schema.maximum}`,
    schema.pattern === undefined ? undefined : `pattern ${schema.pattern}`,
  ].filter(Boolean);
  return limits.length > 0 ? `${type} (${limits.join(', ')})` : type;
};

/** An object schema as a table of its fields; a reference links to the schema section. */
export const SchemaView = (props: {
  schema: JsonSchema | undefined;
  components: Components;
}): ComponentChildren => {
  const schema = props.schema;
  if (!schema) return null;
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return h('p', null, 'Schema ', h('a', { href: `#schema-${name}` }, name));
  }
  if (!schema.properties) return h('p', null, h('code', null, typeOf(schema)));
  const required = new Set(schema.required ?? []);
  return h(
    'table',
    { class: 'fields' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Field'),
        h('th', { scope: 'col' }, 'Type'),
        h('th', { scope: 'col' }, 'Required'),
      ),
    ),
    h(
      'tbody',
      null,
      Object.entries(schema.properties).map(([name, field]) =>
        h(
          'tr',
          { key: name },
          h('th', { scope: 'row' }, h('code', null, name)),
          h(
            'td',
            null,
            h('code', null, typeOf(field)),
            field.description ? h('div', { class: 'muted' }, field.description) : null,
          ),
          h('td', null, required.has(name) ? 'yes' : 'no'),
        ),
      ),
    ),
    schema.additionalProperties === false
      ? h('caption', { class: 'muted' }, 'Other fields are refused.')
      : null,
  );
};
