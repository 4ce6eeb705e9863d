/**
 * The service's roles, one per kind of power, named once: the HTTP routes, the OpenAPI
 * document, the stack (JWT scopes and per-role IAM policies), the local issuer, the console
 * and docs/security.md all take them from here.
 */
export const ROLES = [
  'customers:read',
  'customers:history',
  'customers:write',
  'customers:erase',
  'ops:read',
  'ops:write',
] as const;

export type Role = (typeof ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  'customers:read': 'Read customers from the read model: one, a list by status, a search by email',
  'customers:history': "Read a customer's full event history, decrypted",
  'customers:write': 'Register customers, change emails, suspend and reactivate',
  'customers:erase': 'Forget a customer (erasure): their personal data becomes unreadable',
  'ops:read': 'Read pipeline health, audits and dead letters',
  'ops:write': 'Redrive dead letters and repair views',
};

export const isRole = (value: string): value is Role =>
  (ROLES as readonly string[]).includes(value);

/**
 * The OAuth scope that grants a role. Cognito names a resource server's scopes
 * `<identifier>/<scope>`, so a prefix (`AUTH_SCOPE_PREFIX`, say `customer-service/`) is
 * prepended; other issuers use the role's name as it is.
 */
export const scopeFor = (role: Role, prefix = ''): string => `${prefix}${role}`;

/** The roles a token's scopes grant, given the same prefix; unknown scopes are ignored. */
export const rolesFromScopes = (scopes: Iterable<string>, prefix = ''): Set<Role> => {
  const roles = new Set<Role>();
  for (const scope of scopes) {
    if (!scope.startsWith(prefix)) continue;
    const name = scope.slice(prefix.length);
    if (isRole(name)) roles.add(name);
  }
  return roles;
};
