import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type CommandAnswer, describeError, getJson, sendJson } from '../api.js';

interface OpenApiDocument {
  paths?: Record<
    string,
    Record<
      string,
      {
        requestBody?: {
          content?: Record<
            string,
            { schema?: { properties?: Record<string, { enum?: string[] }> } }
          >;
        };
      }
    >
  >;
}

/** The reason codes the suspend route accepts, read from the API's own document. */
const useReasonCodes = (): string[] => {
  const [codes, setCodes] = useState<string[]>([]);
  useEffect(() => {
    getJson<OpenApiDocument>('/openapi.json')
      .then((doc) => {
        const schema =
          doc.paths?.['/customers/{id}/suspend']?.post?.requestBody?.content?.['application/json']
            ?.schema;
        setCodes(schema?.properties?.reasonCode?.enum ?? []);
      })
      .catch(() => setCodes([]));
  }, []);
  return codes;
};

export interface ActionsProps {
  customerId: string;
  status: string | undefined;
  forgotten: boolean;
  /** Suspend and reactivate (customers:write). */
  canWrite: boolean;
  /** Forget (customers:erase). */
  canErase: boolean;
  /** Called with the version a command answered, so the page can wait for it. */
  onDone: (answer: CommandAnswer, what: string) => void;
  onError: (message: string) => void;
}

/**
 * Suspend (with a reason code), reactivate and forget, through the public API: each shown only
 * to a user whose token holds its role.
 */
export const CustomerActions = (props: ActionsProps) => {
  const codes = useReasonCodes();
  const [reasonCode, setReasonCode] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirmed, setConfirmed] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const id = encodeURIComponent(props.customerId);

  const run = async (what: string, action: () => Promise<CommandAnswer>) => {
    setBusy(true);
    try {
      props.onDone(await action(), what);
    } catch (error) {
      props.onError(describeError(error));
    } finally {
      setBusy(false);
    }
  };

  if (props.forgotten) {
    return h(
      'p',
      { class: 'muted' },
      'This customer was forgotten: there is nothing left to act on.',
    );
  }
  if (!props.canWrite && !props.canErase) return null;
  const suspended = props.status === 'SUSPENDED';
  return h(
    'div',
    { class: 'actions' },
    props.canWrite
      ? h(
          'form',
          {
            class: 'suspend',
            'aria-label': 'Suspend',
            onSubmit: (event: Event) => {
              event.preventDefault();
              const body = {
                reasonCode: reasonCode || codes[0],
                ...(note.trim() ? { note: note.trim() } : {}),
              };
              void run('Suspended', () =>
                sendJson<CommandAnswer>('POST', `/customers/${id}/suspend`, body),
              );
            },
          },
          h(
            'label',
            null,
            'Reason code',
            h(
              'select',
              {
                name: 'reasonCode',
                required: true,
                value: reasonCode || codes[0] || '',
                onChange: (event: Event) =>
                  setReasonCode((event.currentTarget as HTMLSelectElement).value),
              },
              codes.map((code) => h('option', { key: code, value: code }, code)),
            ),
          ),
          h(
            'label',
            null,
            'Note (optional)',
            h('textarea', {
              name: 'note',
              rows: 2,
              maxLength: 500,
              value: note,
              onInput: (event: Event) =>
                setNote((event.currentTarget as HTMLTextAreaElement).value),
            }),
          ),
          h(
            'button',
            { type: 'submit', disabled: busy || suspended || codes.length === 0 },
            'Suspend',
          ),
        )
      : null,
    h(
      'div',
      { class: 'buttons' },
      props.canWrite
        ? h(
            'button',
            {
              type: 'button',
              disabled: busy || !suspended,
              onClick: () =>
                void run('Reactivated', () =>
                  sendJson<CommandAnswer>('POST', `/customers/${id}/reactivate`, {}),
                ),
            },
            'Reactivate',
          )
        : null,
      props.canErase
        ? h(
            'button',
            {
              type: 'button',
              class: 'danger',
              disabled: busy,
              onClick: () => {
                setConfirmed(false);
                dialog.current?.showModal();
              },
            },
            'Forget…',
          )
        : null,
    ),
    props.canErase
      ? h(
          'dialog',
          { ref: dialog, 'aria-labelledby': 'forget-title', class: 'confirm' },
          h(
            'form',
            {
              method: 'dialog',
              onSubmit: (event: Event) => {
                event.preventDefault();
                dialog.current?.close();
                void run('Forgotten', () =>
                  sendJson<CommandAnswer>('DELETE', `/customers/${id}`, undefined),
                );
              },
            },
            h('h2', { id: 'forget-title' }, 'Forget this customer?'),
            h(
              'p',
              null,
              'Their data key is deleted: name, email and notes in every event become unreadable for good. The history keeps its shape, with the PII marked forgotten.',
            ),
            h(
              'label',
              { class: 'check' },
              h('input', {
                type: 'checkbox',
                name: 'confirm',
                checked: confirmed,
                onChange: (event: Event) =>
                  setConfirmed((event.currentTarget as HTMLInputElement).checked),
              }),
              'I understand this cannot be undone',
            ),
            h(
              'div',
              { class: 'buttons' },
              h('button', { type: 'button', onClick: () => dialog.current?.close() }, 'Cancel'),
              h(
                'button',
                { type: 'submit', class: 'danger', disabled: !confirmed },
                'Forget customer',
              ),
            ),
          ),
        )
      : null,
  );
};
