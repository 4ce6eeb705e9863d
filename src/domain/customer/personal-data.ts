import type { PersonalDataDeclaration } from '../../core/personal-data.js';
import { CustomerForgotten } from './events.js';

/**
 * The Customer's personal data: encrypted at rest under the customer's own key, erased when
 * they are forgotten. `reason` is the free-text suspension reason of `CustomerSuspended` v1,
 * which streams written before encryption may still hold (in plaintext, or encrypted by
 * `encrypt-legacy`).
 */
export const customerPersonalData: PersonalDataDeclaration = {
  fields: ['email', 'name', 'oldEmail', 'newEmail', 'note', 'reason'],
  erasureEventTypes: [CustomerForgotten.shape.type.value],
};
