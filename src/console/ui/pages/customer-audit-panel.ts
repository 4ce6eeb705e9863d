import { h } from 'preact';
import type { CustomerAudit } from '../api.js';
import { formatValue, isForgottenMarker } from '../format.js';

const FINDING_TEXT: Record<string, string> = {
  ok: 'The view matches the fold of the stream.',
  missing: 'The read model has no view for this stream (yet).',
  behind: 'The view trails the stream; it may still be catching up.',
  ahead: 'The view is ahead of the stream.',
  different: 'The view differs from the fold of the stream.',
  unprojectable: 'The stream cannot be folded: the projector is stuck on it.',
  orphan: 'A view without a stream.',
};

const Cell = (props: { value: unknown }) =>
  isForgottenMarker(props.value)
    ? h('td', null, h('span', { class: 'forgotten' }, 'forgotten'))
    : h('td', null, formatValue(props.value));

/** The view beside the fold of the stream, differing fields marked. */
export const AuditPanel = (props: { audit: CustomerAudit | undefined }) => {
  const { audit } = props;
  if (!audit) return h('p', { class: 'muted' }, 'Loading the audit…');
  const fields = [
    ...new Set([...Object.keys(audit.fold ?? {}), ...Object.keys(audit.view ?? {})]),
  ].sort();
  const differing = new Set(audit.fields);
  return h(
    'div',
    { class: 'audit' },
    h(
      'p',
      { class: `finding ${audit.finding}` },
      h(
        'span',
        { class: `badge ${audit.finding === 'ok' ? 'active' : 'suspended'}` },
        audit.finding,
      ),
      ' ',
      FINDING_TEXT[audit.finding] ?? '',
      audit.error ? ` ${audit.error}` : '',
    ),
    h(
      'table',
      { class: 'compare' },
      h('caption', null, `View and fold (stream at v${audit.streamVersion})`),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'Field'),
          h('th', { scope: 'col' }, 'View'),
          h('th', { scope: 'col' }, 'Fold'),
        ),
      ),
      h(
        'tbody',
        null,
        fields.map((field) =>
          h(
            'tr',
            { key: field, class: differing.has(field) ? 'differs' : undefined },
            h(
              'th',
              { scope: 'row' },
              field,
              differing.has(field) ? h('span', { class: 'sr-only' }, ' (differs)') : null,
            ),
            h(Cell, { value: audit.view?.[field] }),
            h(Cell, { value: audit.fold?.[field] }),
          ),
        ),
      ),
    ),
  );
};
