import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CustomerViewRecord } from '../src/app/customer/customer-view.js';
import { customerViewProjection } from '../src/app/customer/customer-view.js';
import type { EventEnvelope } from '../src/core/event.js';
import type { EventStore } from '../src/core/event-store.js';
import { applyEnvelopes, EventGapError, versionOf } from '../src/core/projection.js';
import type { ViewStore } from '../src/core/view-store.js';

/**
 * The baseline of the projector measure: the projector as it was before a message became
 * only a notification. It applied the events the messages of a batch carried wherever they
 * covered the gap up to the newest version named, and read from the event store only what
 * they did not cover. Same calls as the service's old path (views of a batch in one
 * `BatchGetItem`, one read of the uncovered range, one conditional put per customer); it
 * trusts what a message says, so it lives here, never in the service.
 */
export const createCarriedEnvelopeProjector =
  (options: { events: Pick<EventStore, 'readStream'>; views: ViewStore<CustomerViewRecord> }) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const byAggregate = new Map<string, { upTo: number; carried: EventEnvelope[] }>();
    for (const record of event.Records) {
      const detail = (JSON.parse(record.body) as { detail: EventEnvelope & { thin?: true } })
        .detail;
      const group = byAggregate.get(detail.aggregateId) ?? { upTo: 0, carried: [] };
      group.upTo = Math.max(group.upTo, detail.version);
      if (!detail.thin) group.carried.push(detail);
      byAggregate.set(detail.aggregateId, group);
    }
    const ids = [...byAggregate.keys()];
    const prefetched =
      ids.length > 1 && options.views.getMany ? await options.views.getMany(ids) : undefined;
    await Promise.all(
      ids.map(async (id) => {
        const { upTo, carried } = byAggregate.get(id) as { upTo: number; carried: EventEnvelope[] };
        const view = prefetched ? prefetched.get(id) : await options.views.get(id);
        const at = versionOf(view);
        if (upTo <= at) return;
        const held = new Map(carried.filter((e) => e.version > at).map((e) => [e.version, e]));
        // The run of carried events ending at `upTo`: only what lies before it is read.
        let tailStart = upTo + 1;
        while (tailStart - 1 > at && held.has(tailStart - 1)) tailStart -= 1;
        const tail: EventEnvelope[] = [];
        for (let version = tailStart; version <= upTo; version++) {
          tail.push(held.get(version) as EventEnvelope);
        }
        const read =
          tailStart === at + 1
            ? []
            : await options.events.readStream(id, {
                fromVersion: at + 1,
                toVersion: tailStart - 1,
              });
        const events = [...read, ...tail];
        events.forEach((e, index) => {
          if (e.version !== at + 1 + index) throw new EventGapError(id, at + 1 + index, e.version);
        });
        const next = applyEnvelopes(customerViewProjection, view, events);
        if (next) await options.views.put(id, next, at);
      }),
    );
    return { batchItemFailures: [] };
  };
