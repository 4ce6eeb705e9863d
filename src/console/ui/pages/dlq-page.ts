import { h } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { type DeadLetter, describeError, getJson, type RedriveReport, sendJson } from '../api.js';
import { may } from '../auth/session.js';
import { customerPath, formatTime } from '../format.js';
import { NeedsRole, Status } from '../layout.js';

const reportText = (report: RedriveReport): string => {
  const moved = `${report.moved.length} message${report.moved.length === 1 ? '' : 's'} sent back to the projection queue`;
  return report.failed.length > 0 ? `${moved}; ${report.failed.length} failed` : moved;
};

/** `/console/dlq`: the dead letters with their diagnosis; redrive one or all. */
export const DeadLettersPage = () =>
  may('ops:read')
    ? h(DeadLetters, null)
    : h(
        'section',
        { class: 'panel', 'aria-labelledby': 'dlq-title' },
        h('h2', { id: 'dlq-title' }, 'Dead letters'),
        h(NeedsRole, { role: 'ops:read', what: 'The dead-letter queue' }),
      );

const DeadLetters = () => {
  const canRedrive = may('ops:write');
  const [letters, setLetters] = useState<DeadLetter[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [info, setInfo] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setLetters((await getJson<{ deadLetters: DeadLetter[] }>('/ops/dead-letters')).deadLetters);
    } catch (failure) {
      setError(describeError(failure));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const redrive = async (messageId?: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const report = await sendJson<RedriveReport>(
        'POST',
        '/ops/dead-letters/redrive',
        messageId === undefined ? {} : { messageId },
      );
      setInfo(reportText(report));
      await load();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'dlq-title' },
    h('h2', { id: 'dlq-title' }, `Dead letters (${letters?.length ?? '…'})`),
    h(
      'p',
      { class: 'muted' },
      'Each message is replayed against its stream as the projector would; fix the cause before a redrive, or the message comes back.',
    ),
    h(Status, { error, info }),
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', onClick: () => void load(), disabled: busy }, 'Refresh'),
      canRedrive
        ? h(
            'button',
            { type: 'button', onClick: () => void redrive(), disabled: busy || !letters?.length },
            'Redrive all',
          )
        : null,
    ),
    canRedrive ? null : h(NeedsRole, { role: 'ops:write', what: 'A redrive' }),
    h(
      'table',
      { class: 'list' },
      h('caption', { class: 'sr-only' }, 'Dead letters'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          [
            'Message',
            'Event',
            'Customer',
            'Receives',
            'Sent',
            'Diagnosis',
            ...(canRedrive ? [''] : []),
          ].map((title) =>
            h(
              'th',
              { scope: 'col', key: title },
              title || h('span', { class: 'sr-only' }, 'Action'),
            ),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        letters?.length === 0
          ? h(
              'tr',
              null,
              h(
                'td',
                { colSpan: canRedrive ? 7 : 6, class: 'muted' },
                'The dead-letter queue is empty.',
              ),
            )
          : (letters ?? []).map((letter) =>
              h(
                'tr',
                { key: letter.messageId },
                h('td', { 'data-label': 'Message' }, h('code', null, letter.messageId)),
                h(
                  'td',
                  { 'data-label': 'Event' },
                  letter.eventType ? `${letter.eventType} v${letter.version ?? '?'}` : '–',
                ),
                h(
                  'td',
                  { 'data-label': 'Customer' },
                  letter.aggregateId
                    ? h('a', { href: customerPath(letter.aggregateId) }, letter.aggregateId)
                    : '–',
                ),
                h('td', { 'data-label': 'Receives' }, String(letter.receiveCount ?? '–')),
                h('td', { 'data-label': 'Sent' }, formatTime(letter.sentAt)),
                h(
                  'td',
                  { 'data-label': 'Diagnosis' },
                  letter.diagnosis.error
                    ? h('span', { class: 'error' }, letter.diagnosis.error)
                    : h('span', { class: 'ok' }, 'the projector would succeed now'),
                  h(
                    'details',
                    null,
                    h('summary', null, 'Body'),
                    h('pre', null, letter.bodyPreview),
                  ),
                ),
                canRedrive
                  ? h(
                      'td',
                      null,
                      h(
                        'button',
                        {
                          type: 'button',
                          disabled: busy,
                          'aria-label': `Redrive message ${letter.messageId}`,
                          onClick: () => void redrive(letter.messageId),
                        },
                        'Redrive',
                      ),
                    )
                  : null,
              ),
            ),
      ),
    ),
  );
};
