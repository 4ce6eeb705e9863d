import { h } from 'preact';
import type { EventEnvelope } from '../api.js';
import { formatActor, formatTime, formatValue, isForgottenMarker } from '../format.js';

const PayloadValue = (props: { value: unknown }) =>
  isForgottenMarker(props.value)
    ? h('span', { class: 'forgotten' }, 'forgotten')
    : h('span', null, formatValue(props.value));

/**
 * The stream in version order: each event's type, time, schema version, payload and metadata,
 * with the stream's type and who asked for it (events written before actors were recorded
 * show a dash).
 */
export const Timeline = (props: { events: EventEnvelope[] }) =>
  h(
    'ol',
    { class: 'timeline', 'aria-label': 'Events, oldest first' },
    [...props.events]
      .sort((a, b) => a.version - b.version)
      .map((event) =>
        h(
          'li',
          { key: event.eventId, class: 'event', 'data-version': event.version },
          h(
            'div',
            { class: 'event-head' },
            h('span', { class: 'version' }, `v${event.version}`),
            h('strong', { class: 'event-type' }, event.eventType),
            h('time', { dateTime: event.timestamp }, formatTime(event.timestamp)),
            h('span', { class: 'muted' }, `schema v${event.metadata.schemaVersion}`),
          ),
          h(
            'dl',
            { class: 'payload' },
            Object.entries(event.payload).flatMap(([field, value]) => [
              h('dt', { key: `${field}-k` }, field),
              h('dd', { key: `${field}-v` }, h(PayloadValue, { value })),
            ]),
          ),
          h(
            'dl',
            { class: 'metadata' },
            h('dt', null, 'stream type'),
            h('dd', { class: 'stream-type' }, event.aggregateType),
            h('dt', null, 'actor'),
            h('dd', { class: 'actor' }, formatActor(event.metadata.actor)),
            h('dt', null, 'correlation id'),
            h('dd', null, event.metadata.correlationId),
            h('dt', null, 'command id'),
            h('dd', null, event.metadata.commandId ?? '–'),
          ),
        ),
      ),
  );
