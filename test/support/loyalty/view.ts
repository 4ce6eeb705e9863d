import type { EventEnvelope } from '../../../src/core/event.js';
import { FORGOTTEN_MARKER } from '../../../src/core/event-codec.js';
import type { Projection } from '../../../src/core/projection.js';
import { loyaltyEventUpcaster } from './event-versions.js';
import { LoyaltyEvent } from './events.js';

/** One loyalty account as the query side serves it. */
export interface LoyaltyAccountView {
  accountId: string;
  /** The holder's name; absent once the account is closed (or its key is gone). */
  ownerName?: string;
  points: number;
  status: 'OPEN' | 'CLOSED';
  /** Version of the latest applied event. */
  version: number;
  /** Timestamp of the latest applied event. */
  lastUpdated: string;
}

/** An event the view cannot take: a malformed payload or one before the opening. */
export class LoyaltyViewProjectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LoyaltyViewProjectionError';
  }
}

const assertNever = (value: never): never => {
  throw new LoyaltyViewProjectionError(`Unhandled event ${JSON.stringify(value)}`);
};

/** The event in its latest shape, checked; an unknown type or version throws, never skipped. */
const parseEvent = (envelope: EventEnvelope): LoyaltyEvent => {
  const parsed = LoyaltyEvent.safeParse(loyaltyEventUpcaster.toEvent(envelope));
  if (!parsed.success) {
    throw new LoyaltyViewProjectionError(
      `Event ${envelope.eventId} (${envelope.eventType} v${envelope.version} of ${envelope.aggregateId}) is malformed`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
};

/** The view after one more event; callers guarantee it is the next one (see core/projection). */
export const evolveLoyaltyView = (
  view: LoyaltyAccountView | undefined,
  envelope: EventEnvelope,
): LoyaltyAccountView => {
  const stamp = { version: envelope.version, lastUpdated: envelope.timestamp };
  const event = parseEvent(envelope);
  if (event.type === 'LoyaltyAccountOpened') {
    // An account opens once; should it come again, the view keeps what it knows.
    if (view) return { ...view, ...stamp };
    // The name reads as the marker once the account's key is deleted: the holder is gone.
    const named =
      event.data.ownerName === FORGOTTEN_MARKER ? {} : { ownerName: event.data.ownerName };
    return { accountId: envelope.aggregateId, ...named, points: 0, status: 'OPEN', ...stamp };
  }
  if (!view) {
    throw new LoyaltyViewProjectionError(
      `${event.type} v${envelope.version} of ${envelope.aggregateId} precedes its opening`,
    );
  }
  switch (event.type) {
    case 'PointsEarned':
      return { ...view, ...stamp, points: view.points + event.data.points };
    case 'PointsRedeemed':
      return { ...view, ...stamp, points: view.points - event.data.points };
    case 'LoyaltyAccountClosed': {
      const { ownerName: _forgotten, ...rest } = view;
      return { ...rest, ...stamp, points: 0, status: 'CLOSED' };
    }
    default:
      return assertNever(event);
  }
};

export const loyaltyViewProjection: Projection<LoyaltyAccountView> = {
  evolve: evolveLoyaltyView,
};
