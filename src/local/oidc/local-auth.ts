import { JoseTokenVerifier } from '../../adapters/jose/jose-token-verifier.js';
import { type Authenticate, bearerTokenAccess } from '../../app/http/access-guard.js';
import type { Config } from '../../config.js';
import { LOCAL_API_AUDIENCE, LOCAL_CLIENTS } from './local-identities.js';
import type { LocalIssuer } from './local-issuer.js';

export type LocalAuthMode = 'open' | 'oidc';

export class LocalAuthModeError extends Error {
  override readonly name = 'LocalAuthModeError';
}

/**
 * `npm start -- --auth=oidc` or `AUTH=oidc`: tokens are checked; `open` (the default): the
 * local developer holds every role. The flag wins over the variable.
 */
export const readLocalAuthMode = (
  argv: readonly string[],
  env: Record<string, string | undefined>,
): LocalAuthMode => {
  const flag = argv.find((arg) => arg.startsWith('--auth='))?.slice('--auth='.length);
  const value = flag ?? env.AUTH ?? 'open';
  if (value === 'open' || value === 'oidc') return value;
  throw new LocalAuthModeError(
    `${flag === undefined ? 'AUTH' : '--auth'} must be "oidc" (check tokens from the local issuer) or "open", not "${value}"`,
  );
};

export interface LocalAuth {
  issuer: LocalIssuer;
  /** The app's strategy: bearer tokens checked as API Gateway's JWT authoriser would. */
  authenticate: Authenticate;
  /** What the console reads to sign in (`/console/auth.json`). */
  consoleSettings: Pick<Config, 'CONSOLE_OIDC_ISSUER' | 'CONSOLE_OIDC_CLIENT_ID'>;
  stop(): Promise<void>;
}

/**
 * The local issuer and the token check against it, as `--auth=oidc` runs them: the same
 * verifier a test or a benchmark gets, with the audience the issuer's tokens carry.
 */
export const startLocalAuth = async (options: {
  port: number;
  httpPort: number;
  scopePrefix?: string;
}): Promise<LocalAuth> => {
  // Loaded only when asked for: the open mode never loads oidc-provider (nor its warnings).
  const { startLocalIssuer } = await import('./local-issuer.js');
  const issuer = await startLocalIssuer(options);
  const verifier = new JoseTokenVerifier({ issuer: issuer.issuer, audience: LOCAL_API_AUDIENCE });
  return {
    issuer,
    authenticate: bearerTokenAccess({
      verify: verifier.verify,
      ...(options.scopePrefix === undefined ? {} : { scopePrefix: options.scopePrefix }),
    }),
    consoleSettings: {
      CONSOLE_OIDC_ISSUER: issuer.issuer,
      CONSOLE_OIDC_CLIENT_ID: LOCAL_CLIENTS.console.clientId,
    },
    stop: () => issuer.stop(),
  };
};
