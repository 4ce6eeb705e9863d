import type { ViewStore } from '../../../src/core/view-store.js';
import { LoyaltyAccountNotFoundError } from './errors.js';
import type { LoyaltyAccountView } from './view.js';

/** The loyalty read side: one account by id, as its view holds it. */
export class LoyaltyQueries {
  constructor(private readonly views: Pick<ViewStore<LoyaltyAccountView>, 'get'>) {}

  async getAccount(accountId: string): Promise<LoyaltyAccountView> {
    const view = await this.views.get(accountId);
    if (!view) throw new LoyaltyAccountNotFoundError(accountId);
    return view;
  }
}
