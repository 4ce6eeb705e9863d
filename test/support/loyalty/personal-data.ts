import type { PersonalDataDeclaration } from '../../../src/core/personal-data.js';

/**
 * The holder's name is the account's only personal data: encrypted under the account's own
 * key, and forgotten when the account is closed.
 */
export const loyaltyPersonalData: PersonalDataDeclaration = {
  fields: ['ownerName'],
  erasureEventTypes: ['LoyaltyAccountClosed'],
};
