import type { EventEnvelope } from '../../core/event.js';
import { customerAggregate } from '../../domain/customer/module.js';

/**
 * Lifts stored Customer events to their latest shape. Every read path goes through it: the
 * command side's load, the history route, the projection (catch-up, rebuild, audit, the
 * dead-letter diagnosis) and the publisher.
 */
export const customerEventUpcaster = customerAggregate.upcaster;

/** The publisher's `upcast` option: bus consumers see the latest shape and schema version. */
export const upcastCustomerEvent = (envelope: EventEnvelope): EventEnvelope =>
  customerEventUpcaster.upcast(envelope);
