import fc from 'fast-check';
import { customerEventUpcaster } from '../../src/app/customer/customer-events.js';
import type { CustomerViewRecord } from '../../src/app/customer/customer-view.js';
import { customerViewProjection } from '../../src/app/customer/customer-view.js';
import { CommandHandler } from '../../src/core/command-handler.js';
import { BusinessRuleError } from '../../src/core/errors.js';
import type { EventEnvelope } from '../../src/core/event.js';
import type { EventStore } from '../../src/core/event-store.js';
import { applyEnvelopes } from '../../src/core/projection.js';
import {
  type CustomerCommand,
  customerDecider,
  customerUniqueness,
} from '../../src/domain/customer/index.js';

/** What happens to one customer after registering. */
export type Step = 'email' | 'suspend' | 'reactivate';

export const historyArbitrary = fc.array(fc.constantFrom<Step>('email', 'suspend', 'reactivate'), {
  maxLength: 8,
});

/** Runs histories through the real command handler; refused commands are part of life. */
export const runHistories = async (
  store: EventStore,
  histories: Step[][],
  prefix = 'cust',
): Promise<string[]> => {
  let tick = Date.UTC(2024, 0, 1);
  let nextId = 0;
  const handler = new CommandHandler({
    aggregateType: 'Customer',
    decider: customerDecider,
    store,
    clock: {
      now: () => {
        tick += 1000;
        return new Date(tick);
      },
    },
    ids: { newId: () => `evt-${prefix}-${nextId++}` },
    upcaster: customerEventUpcaster,
    uniqueness: customerUniqueness,
  });
  const ids = histories.map((_, i) => `${prefix}-${i}`);
  await Promise.all(
    histories.map(async (steps, i) => {
      const customerId = ids[i] ?? '';
      const commands: CustomerCommand[] = [
        {
          type: 'RegisterCustomer',
          data: { customerId, email: `${customerId}@example.com`, name: `Name ${i}` },
        },
        ...steps.map((step, n): CustomerCommand => {
          if (step === 'email') {
            return {
              type: 'UpdateEmail',
              data: { customerId, newEmail: `${customerId}.${n}@Example.com` },
            };
          }
          if (step === 'suspend') {
            return {
              type: 'SuspendCustomer',
              data:
                n % 2 === 0
                  ? { customerId, reasonCode: 'FRAUD', note: `reason ${n}` }
                  : { customerId, reasonCode: 'CHARGEBACK' },
            };
          }
          return { type: 'ReactivateCustomer', data: { customerId } };
        }),
      ];
      for (const command of commands) {
        try {
          await handler.handle(customerId, command, { correlationId: `corr-${customerId}` });
        } catch (error) {
          if (!(error instanceof BusinessRuleError)) throw error;
        }
      }
    }),
  );
  return ids;
};

/** The view a correct projector must end with: the fold of the stream as stored. */
export const expectedView = async (
  store: Pick<EventStore, 'readStream'>,
  customerId: string,
): Promise<CustomerViewRecord | undefined> =>
  applyEnvelopes(customerViewProjection, undefined, await store.readStream(customerId));

/** The body SQS receives from the EventBridge rule: `detail` is an object. */
export const messageBody = (envelope: EventEnvelope, thin = false): string =>
  JSON.stringify({
    version: '0',
    id: `eb-${envelope.eventId}`,
    'detail-type': envelope.eventType,
    source: 'customer.service',
    account: '000000000000',
    time: envelope.timestamp,
    region: 'eu-west-1',
    resources: [],
    detail: thin
      ? {
          thin: true,
          aggregateId: envelope.aggregateId,
          version: envelope.version,
          eventType: envelope.eventType,
          eventId: envelope.eventId,
        }
      : envelope,
  });

/** A small seeded generator, so a failing shuffle can be replayed. */
export { seededRandom } from '../../src/capacity/email-population.js';

export const shuffle = <T>(items: T[], random: () => number): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};
