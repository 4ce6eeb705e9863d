import { h } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  ApiError,
  type CommandAnswer,
  type CustomerAudit,
  type CustomerView,
  describeError,
  type EventEnvelope,
  getJson,
} from '../api.js';
import { may } from '../auth/session.js';
import { formatActor, formatTime } from '../format.js';
import { NeedsRole, Status } from '../layout.js';
import { CustomerActions } from './customer-actions.js';
import { AuditPanel } from './customer-audit-panel.js';
import { Timeline } from './customer-timeline.js';

const stringField = (item: Record<string, unknown> | undefined, name: string) =>
  typeof item?.[name] === 'string' ? (item[name] as string) : undefined;

interface Loaded {
  view: CustomerView | undefined;
  /** The read model answered 410: the customer was forgotten. */
  forgotten: boolean;
  /** Undefined without customers:history. */
  events: EventEnvelope[] | undefined;
  /** Undefined without ops:read. */
  audit: CustomerAudit | undefined;
}

const NOT_READ = { view: undefined, forgotten: false };

const loadView = async (id: string, minVersion?: number) => {
  const query = minVersion === undefined ? '' : `?minVersion=${minVersion}`;
  try {
    return { view: await getJson<CustomerView>(`/customers/${id}${query}`), forgotten: false };
  } catch (error) {
    if (error instanceof ApiError && error.status === 410)
      return { view: undefined, forgotten: true };
    if (error instanceof ApiError && error.status === 404)
      return { view: undefined, forgotten: false };
    throw error;
  }
};

/** `/console/customers/{id}`: the timeline, the audit beside it, and the actions. */
export const CustomerPage = (props: { customerId: string }) => {
  const id = encodeURIComponent(props.customerId);
  const [data, setData] = useState<Loaded | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [info, setInfo] = useState<string | undefined>(undefined);

  const load = useCallback(
    async (minVersion?: number) => {
      try {
        // Only what the user's roles allow is asked for.
        const [view, history] = await Promise.all([
          may('customers:read') ? loadView(id, minVersion) : NOT_READ,
          may('customers:history')
            ? getJson<{ events: EventEnvelope[] }>(`/customers/${id}/events`)
            : undefined,
        ]);
        const audit = may('ops:read')
          ? await getJson<CustomerAudit>(`/ops/customers/${id}/audit`)
          : undefined;
        setData({ ...view, events: history?.events, audit });
      } catch (failure) {
        setError(describeError(failure));
      }
    },
    [id],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const onDone = (answer: CommandAnswer, what: string) => {
    setError(undefined);
    setInfo(`${what}: now at version ${answer.version}`);
    void load(answer.version);
  };

  const view = data?.view;
  // An erasure shows who asked for it (the history says, to those who may read it).
  const forgetting = data?.events?.findLast((event) => event.eventType === 'CustomerForgotten');
  return h(
    'div',
    { class: 'customer' },
    h(Status, { error, info }),
    h(
      'section',
      { class: 'panel summary', 'aria-labelledby': 'summary-title' },
      h(
        'h2',
        { id: 'summary-title' },
        data?.forgotten ? 'Forgotten customer' : (view?.name ?? props.customerId),
      ),
      h(
        'dl',
        { class: 'figures' },
        h(
          'div',
          { class: 'figure' },
          h('dt', null, 'Customer id'),
          h('dd', null, props.customerId),
        ),
        h(
          'div',
          { class: 'figure' },
          h('dt', null, 'Email'),
          h(
            'dd',
            null,
            data?.forgotten ? h('span', { class: 'forgotten' }, 'forgotten') : (view?.email ?? '–'),
          ),
        ),
        h(
          'div',
          { class: 'figure' },
          h('dt', null, 'Status'),
          h(
            'dd',
            null,
            h(
              'span',
              {
                class: `badge ${data?.forgotten ? 'forgotten' : (view?.status ?? '').toLowerCase()}`,
              },
              data?.forgotten ? 'FORGOTTEN' : (view?.status ?? 'not in the read model'),
            ),
          ),
        ),
        forgetting
          ? h(
              'div',
              { class: 'figure' },
              h('dt', null, 'Forgotten by'),
              h('dd', { class: 'actor' }, formatActor(forgetting.metadata.actor)),
            )
          : null,
        view?.suspensionReasonCode
          ? h(
              'div',
              { class: 'figure' },
              h('dt', null, 'Suspension'),
              h(
                'dd',
                null,
                view.suspensionReasonCode,
                view.suspensionReason ? ` — ${view.suspensionReason}` : '',
              ),
            )
          : null,
        h(
          'div',
          { class: 'figure' },
          h('dt', null, 'Last updated'),
          h(
            'dd',
            null,
            formatTime(view?.lastUpdated ?? stringField(data?.audit?.view, 'lastUpdated')),
          ),
        ),
      ),
      h(CustomerActions, {
        customerId: props.customerId,
        status: view?.status,
        forgotten: data?.forgotten ?? false,
        canWrite: may('customers:write'),
        canErase: may('customers:erase'),
        onDone,
        onError: (message) => {
          setInfo(undefined);
          setError(message);
        },
      }),
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'timeline-title' },
        h(
          'h2',
          { id: 'timeline-title' },
          data?.events ? `Event timeline (${data.events.length})` : 'Event timeline',
        ),
        h('button', { type: 'button', class: 'refresh', onClick: () => void load() }, 'Refresh'),
        !may('customers:history')
          ? h(NeedsRole, { role: 'customers:history', what: 'The event history' })
          : data?.events
            ? h(Timeline, { events: data.events })
            : h('p', { class: 'muted' }, 'Loading…'),
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'audit-title' },
        h('h2', { id: 'audit-title' }, 'View and fold'),
        may('ops:read')
          ? h(AuditPanel, { audit: data?.audit })
          : h(NeedsRole, { role: 'ops:read', what: 'The audit' }),
      ),
    ),
  );
};
