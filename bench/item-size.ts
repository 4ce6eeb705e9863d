/**
 * DynamoDB's billing size of an item in its wire form (attribute values such as
 * `{ S: '...' }`): attribute names plus values, as the developer guide counts them.
 */
type Wire = Record<string, unknown>;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** Numbers take about one byte per two significant digits, plus one. */
const numberSize = (text: string) => Math.ceil(text.replace(/^-|\.|e.*$/gi, '').length / 2) + 1;

const valueSize = (value: unknown): number => {
  if (typeof value !== 'object' || value === null) return utf8(JSON.stringify(value) ?? '');
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
  // Not in wire form (a document-client value): JSON length is close enough for billing.
  return utf8(JSON.stringify(value));
};

export const itemSize = (item: Wire): number =>
  Object.entries(item).reduce((n, [name, value]) => n + utf8(name) + valueSize(value), 0);

/** Write capacity units of one item write on AWS: one per started KB. */
export const writeUnits = (item: Wire | undefined): number =>
  Math.max(1, Math.ceil(itemSize(item ?? {}) / 1024));
