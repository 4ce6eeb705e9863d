import type { EmailClaimHasher } from '../../core/data-keys.js';
import type { ClaimCodec, StoredClaims } from '../../core/event-codec.js';
import type { UniqueClaim } from '../../core/event-store.js';
import { loadOnce } from '../../core/load-once.js';
import { EMAIL_SCOPE, normaliseEmail } from '../../domain/customer/index.js';

/** The scope of email claims keyed by HMAC-SHA-256 of the normalised email. */
export const HASHED_EMAIL_SCOPE = 'email-hmac';

const keyOf = (claim: UniqueClaim) => `${claim.scope}#${claim.value}`;

export interface HashedEmailClaimsOptions {
  /**
   * Check and release the plaintext claims of before too (default true). Off for a store that
   * never held any, or once `npm run encrypt-legacy` has replaced them all: a claim then costs
   * no extra items. A function is asked once, at the first claim (a failure is asked again).
   */
  legacyClaims?: boolean | (() => Promise<boolean>);
}

/**
 * Email claims as stored: `UNIQUE#email-hmac#<hex>`, never the address. Claims written
 * before hashing (`UNIQUE#email#<normalised>`) are still honoured: a new claim also checks
 * that the plaintext form is free or held by the same customer, and a release removes both
 * forms. Other scopes pass through unchanged.
 */
export class HashedEmailClaims implements ClaimCodec {
  private readonly legacyClaims: () => Promise<boolean>;

  constructor(
    private readonly hasher: EmailClaimHasher,
    options: HashedEmailClaimsOptions = {},
  ) {
    const setting = options.legacyClaims ?? true;
    this.legacyClaims = typeof setting === 'boolean' ? async () => setting : loadOnce(setting);
  }

  async encode(claims: UniqueClaim[], releases: UniqueClaim[]): Promise<StoredClaims> {
    const emailScope = (claim: UniqueClaim) => claim.scope === EMAIL_SCOPE;
    // Asked only when an email is claimed or released: other commands never pay for it.
    const checkLegacy =
      (claims.some(emailScope) || releases.some(emailScope)) && (await this.legacyClaims());
    const plain = new Map<string, UniqueClaim>();
    const hashed = async (claim: UniqueClaim): Promise<UniqueClaim> => {
      const stored = await this.hashedEmail(claim);
      plain.set(keyOf(stored), claim);
      return stored;
    };
    const legacy = (claim: UniqueClaim): UniqueClaim => {
      const stored = { scope: EMAIL_SCOPE, value: normaliseEmail(claim.value) };
      plain.set(keyOf(stored), claim);
      return stored;
    };
    const result: StoredClaims = {
      claims: [],
      releases: [],
      checks: [],
      plainOf: (stored) => plain.get(keyOf(stored)),
    };
    for (const claim of claims) {
      if (claim.scope !== EMAIL_SCOPE) {
        result.claims.push(claim);
        continue;
      }
      result.claims.push(await hashed(claim));
      if (checkLegacy) result.checks.push(legacy(claim));
    }
    for (const release of releases) {
      if (release.scope !== EMAIL_SCOPE) {
        result.releases.push(release);
        continue;
      }
      result.releases.push(await hashed(release));
      if (checkLegacy) result.releases.push(legacy(release));
    }
    return result;
  }

  /** How a plain claim is stored: an email's keyed hash; `undefined` for a scope kept as it is. */
  async hashedForm(claim: UniqueClaim): Promise<UniqueClaim | undefined> {
    return claim.scope === EMAIL_SCOPE ? this.hashedEmail(claim) : undefined;
  }

  private async hashedEmail(claim: UniqueClaim): Promise<UniqueClaim> {
    return { scope: HASHED_EMAIL_SCOPE, value: await this.hasher.hash(claim.value) };
  }
}
