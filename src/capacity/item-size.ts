/**
 * DynamoDB's billing size of an item, in its wire form (attribute values such as
 * `{ S: '...' }`) or as a document client takes it: attribute names plus values, as the
 * developer guide counts them.
 */
type Wire = Record<string, unknown>;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** Numbers take about one byte per two significant digits, plus one. */
const numberSize = (text: string) => Math.ceil(text.replace(/^-|\.|e.*$/gi, '').length / 2) + 1;

/** A document-client value (`'text'`, `12`, bytes, a list, a map) as DynamoDB stores it. */
const documentValueSize = (value: unknown): number => {
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(String(value));
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce<number>((n, e) => n + documentValueSize(e), 0);
  if (Array.isArray(value))
    return 3 + value.reduce<number>((n, e) => n + 1 + documentValueSize(e), 0);
  return (
    3 +
    Object.entries(value as Wire).reduce(
      (n, [name, v]) => n + 1 + utf8(name) + documentValueSize(v),
      0,
    )
  );
};

const WIRE_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'L', 'M']);

const valueSize = (value: unknown): number => {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array)
    return documentValueSize(value);
  const keys = Object.keys(value);
  if (keys.length !== 1 || !WIRE_TYPES.has(keys[0] ?? '')) return documentValueSize(value);
  const v = value as Wire;
  if (typeof v.S === 'string') return utf8(v.S);
  if (typeof v.N === 'string') return numberSize(v.N);
  if (v.B instanceof Uint8Array) return v.B.byteLength;
  if (typeof v.BOOL === 'boolean' || v.NULL !== undefined) return 1;
  if (Array.isArray(v.SS)) return (v.SS as string[]).reduce((n, s) => n + utf8(s), 0);
  if (Array.isArray(v.NS)) return (v.NS as string[]).reduce((n, s) => n + numberSize(s), 0);
  if (Array.isArray(v.L))
    return 3 + (v.L as unknown[]).reduce<number>((n, e) => n + 1 + valueSize(e), 0);
  if (typeof v.M === 'object' && v.M !== null) return 3 + itemSize(v.M as Wire);
  return documentValueSize(value);
};

export const itemSize = (item: Wire): number =>
  Object.entries(item).reduce((n, [name, value]) => n + utf8(name) + valueSize(value), 0);

/** Write capacity units of one item write on AWS: one per started KB. */
export const writeUnits = (item: Wire | undefined): number =>
  Math.max(1, Math.ceil(itemSize(item ?? {}) / 1024));

/** Read capacity units of a strongly consistent read of these bytes: one per started 4 KB. */
export const readUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 4096));
