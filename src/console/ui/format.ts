/** Values the service put in place of erased PII look like `[forgotten]`. */
export const isForgottenMarker = (value: unknown): boolean =>
  typeof value === 'string' && /^\[forgotten[^\]]*\]$/i.test(value);

export const formatTime = (iso: string | undefined): string => {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toISOString().replace('T', ' ').replace('Z', ' UTC');
};

export const formatMs = (ms: number | undefined): string => {
  if (ms === undefined) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
};

export const formatValue = (value: unknown): string => {
  if (value === undefined) return '(absent)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
};

export const customerPath = (id: string): string => `/console/customers/${encodeURIComponent(id)}`;

/** Who asked for an event's command: `jwt: operator (client console)`; a dash when unknown. */
export const formatActor = (actor: { kind: string; id: string; clientId?: string } | undefined) =>
  actor ? `${actor.kind}: ${actor.id}${actor.clientId ? ` (client ${actor.clientId})` : ''}` : '–';
