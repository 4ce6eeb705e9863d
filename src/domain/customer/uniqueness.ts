import type { UniqueClaim } from '../../core/event-store.js';
import type { CustomerEvent } from './events.js';
import { type CustomerState, normaliseEmail } from './state.js';

export const EMAIL_SCOPE = 'email';

/** Emails the new events take and give up, so no two customers ever hold one. */
export const customerUniqueness = (
  state: CustomerState,
  events: CustomerEvent[],
): { claims: UniqueClaim[]; releases: UniqueClaim[] } => {
  const claims: UniqueClaim[] = [];
  const releases: UniqueClaim[] = [];
  for (const event of events) {
    if (event.type === 'CustomerRegistered') {
      claims.push({ scope: EMAIL_SCOPE, value: normaliseEmail(event.data.email) });
    } else if (event.type === 'CustomerEmailUpdated') {
      const taken = normaliseEmail(event.data.newEmail);
      const given = normaliseEmail(event.data.oldEmail);
      if (taken !== given) {
        claims.push({ scope: EMAIL_SCOPE, value: taken });
        releases.push({ scope: EMAIL_SCOPE, value: given });
      }
    } else if (event.type === 'CustomerForgotten' && 'email' in state) {
      // The email is free again the moment the erasure is recorded.
      releases.push({ scope: EMAIL_SCOPE, value: normaliseEmail(state.email) });
    }
  }
  return { claims, releases };
};
