import { customerStoredItem } from '../../src/app/customer/audit-customer-view.js';
import { upcastCustomerEvent } from '../../src/app/customer/customer-events.js';
import {
  type CustomerViewRecord,
  customerViewProjection,
} from '../../src/app/customer/customer-view.js';
import type { EventStore } from '../../src/core/event-store.js';
import { type ProjectionBinding, StreamTypes } from '../../src/core/stream-types.js';
import type { ViewStore } from '../../src/core/view-store.js';

/** The Customer read model over these stores, as the composition root binds it. */
export const customerViewsBinding = <
  Views extends ViewStore<CustomerViewRecord> & { readonly storesIndexKeys?: boolean },
>(
  views: Views,
  extra: Partial<Omit<ProjectionBinding<CustomerViewRecord>, 'views'>> = {},
): ProjectionBinding<CustomerViewRecord> & { views: Views } => ({
  name: 'customer-views',
  projection: customerViewProjection,
  storedItem: customerStoredItem(views.storesIndexKeys ?? false),
  ...extra,
  views,
});

/** Customer streams alone, from `events`, feeding the Customer views in `views`. */
export const customerStreams = (
  events: Pick<EventStore, 'readStream'>,
  views: ViewStore<CustomerViewRecord> & { readonly storesIndexKeys?: boolean },
  extra: Partial<Omit<ProjectionBinding<CustomerViewRecord>, 'views'>> = {},
): StreamTypes =>
  new StreamTypes([
    {
      type: 'Customer',
      events,
      stored: events,
      upcast: upcastCustomerEvent,
      projections: [customerViewsBinding(views, extra)],
    },
  ]);
