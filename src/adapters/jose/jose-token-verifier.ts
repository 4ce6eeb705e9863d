import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import type { AccessTokenCheck } from '../../app/http/access-guard.js';
import { ServiceError } from '../../core/errors.js';

/** The issuer's discovery document or key set could not be read: nobody can be checked now. */
export class IssuerUnavailableError extends ServiceError {
  readonly kind = 'unavailable';
  readonly code = 'ISSUER_UNAVAILABLE';
  override readonly retryAfterSeconds = 1;
}

export interface JoseTokenVerifierOptions {
  /** The issuer, exactly as tokens name it in `iss` (its discovery document must agree). */
  issuer: string;
  /** Accepted audiences: `aud` must hold one, or, when a token has no `aud`, `client_id`. */
  audience: string | readonly string[];
  /** API Gateway accepts RSA signatures only. */
  algorithms?: readonly string[];
  /** Leeway for `exp`, `nbf` and `iat` against this machine's clock. */
  clockToleranceSeconds?: number;
  /** This machine's time (tests move it to see a token expire). */
  clock?: () => Date;
}

/** The verdicts a token gets, in words a client can act on; the token itself is never quoted. */
const TOKEN_FAULTS: Partial<Record<string, string>> = {
  ERR_JWT_EXPIRED: 'the token has expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'the signature does not verify',
  ERR_JWKS_NO_MATCHING_KEY: "no key of the issuer's key set matches the token's kid",
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: "several keys of the issuer's key set match the token",
  ERR_JOSE_ALG_NOT_ALLOWED: 'the signing algorithm is not accepted',
  ERR_JOSE_NOT_SUPPORTED: 'the signing algorithm is not supported',
  ERR_JWS_INVALID: 'the token is not a signed JWT',
  ERR_JWT_INVALID: 'the token is not a valid JWT',
};

const asList = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((v) => typeof v === 'string')
      : [];

/**
 * Checks an access token as API Gateway's JWT authoriser does: the signature against the
 * issuer's JWKS (found through its discovery document, keys cached and refetched when a new
 * `kid` appears), RSA algorithms only, `iss`, `aud` (or `client_id` when there is no `aud`),
 * `exp` (required), `nbf` and `iat`. Scopes are the route's business, not the token's.
 */
export class JoseTokenVerifier {
  private readonly audiences: ReadonlySet<string>;
  private readonly algorithms: string[];
  private readonly clockToleranceSeconds: number;
  private keySet: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  constructor(private readonly options: JoseTokenVerifierOptions) {
    this.audiences = new Set(asList(options.audience));
    this.algorithms = [...(options.algorithms ?? ['RS256', 'RS384', 'RS512'])];
    this.clockToleranceSeconds = options.clockToleranceSeconds ?? 0;
  }

  readonly verify = async (token: string): Promise<AccessTokenCheck> => {
    const keys = await this.keys();
    const now = this.options.clock?.() ?? new Date();
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, {
        issuer: this.options.issuer,
        algorithms: this.algorithms,
        requiredClaims: ['exp'],
        clockTolerance: this.clockToleranceSeconds,
        currentDate: now,
      }));
    } catch (error) {
      return { valid: false, reason: this.faultOf(error) };
    }
    const seconds = Math.floor(now.getTime() / 1000);
    if (typeof claims.iat === 'number' && claims.iat > seconds + this.clockToleranceSeconds) {
      return { valid: false, reason: 'the token was issued in the future (iat)' };
    }
    const audiences = claims.aud === undefined ? asList(claims.client_id) : asList(claims.aud);
    if (!audiences.some((audience) => this.audiences.has(audience))) {
      return { valid: false, reason: 'the token is meant for another audience' };
    }
    return { valid: true, claims: claims as Record<string, unknown> };
  };

  /** The issuer's key set, from the `jwks_uri` of its discovery document (read once). */
  private keys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    this.keySet ??= this.discover().catch((error: unknown) => {
      this.keySet = undefined;
      throw error;
    });
    return this.keySet;
  }

  private async discover(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    const { issuer } = this.options;
    const where = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let document: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const response = await fetch(where, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`${where} answered ${response.status}`);
      document = (await response.json()) as typeof document;
    } catch (error) {
      throw new IssuerUnavailableError(`The token issuer's discovery document is unreachable`, {
        cause: error,
      });
    }
    if (document.issuer !== issuer || typeof document.jwks_uri !== 'string') {
      throw new IssuerUnavailableError(
        `The discovery document at ${where} names another issuer or no jwks_uri`,
      );
    }
    return createRemoteJWKSet(new URL(document.jwks_uri));
  }

  private faultOf(error: unknown): string {
    if (error instanceof errors.JWTClaimValidationFailed) {
      return `the token's "${error.claim}" claim is not acceptable (${error.reason})`;
    }
    if (error instanceof errors.JOSEError) {
      const fault = TOKEN_FAULTS[error.code];
      if (fault) return fault;
    }
    // The key set could not be fetched: that says nothing about the token.
    throw new IssuerUnavailableError("The token issuer's key set is unreachable", { cause: error });
  }
}
