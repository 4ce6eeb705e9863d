import { ROLES, type Role } from '../src/app/access/roles.js';
import type { CatalogRoute } from '../src/app/http/route-catalog.js';

type RouteKey = Pick<CatalogRoute, 'method' | 'path' | 'role'>;

/**
 * A route as the tail of its execute-api ARN (`…/$default/GET/customers/*`): the method in
 * capitals, then the path, each path parameter written `*` as execute-api ARNs require.
 */
export const invokePath = (route: Pick<RouteKey, 'method' | 'path'>): string =>
  `${route.method.toUpperCase()}${route.path.replaceAll(/\{[^}]+\}/g, '*')}`;

/** A request to the route, as API Gateway checks it: a concrete value in each parameter. */
const sampleRequest = (route: Pick<RouteKey, 'method' | 'path'>): string =>
  `${route.method.toUpperCase()}${route.path.replaceAll(/\{[^}]+\}/g, 'x')}`;

/** IAM's matching of a resource pattern: `*` is any run of characters, `/` included; `?` one. */
export const iamMatches = (pattern: string, value: string): boolean => {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
};

/** What one role's IAM policy says about the API's routes. */
export interface RoleGrant {
  role: Role;
  /** Invoke paths allowed: the role's routes, and those of the roles it includes. */
  allow: string[];
  /** Routes the allowed patterns would also reach (IAM's `*` crosses `/`), denied by name. */
  deny: string[];
  /**
   * Roles whose routes this policy allows too: a role whose `*` reaches one of this role's
   * routes has to deny that route, so the two policies cannot be combined, and this one
   * carries both.
   */
  includes: Role[];
}

const unique = <T>(values: Iterable<T>): T[] => [...new Set(values)];

/**
 * One grant per role, from the route catalog. `GET/customers/*` also matches
 * `GET/customers/42/events`, so a reader's policy would let it read histories: the reached
 * route is denied in the reader's policy by name, and the history policy includes the
 * reader's routes (an explicit deny wins over any allow, so the two are never attached
 * together). Throws when no such pair of policies exists, rather than grant too much.
 */
export const roleGrants = (routes: readonly RouteKey[]): RoleGrant[] => {
  const rolesIn = ROLES.filter((role) => routes.some((r) => r.role === role));
  const includes = new Map<Role, Set<Role>>(rolesIn.map((role) => [role, new Set()]));
  const granted = (role: Role) => new Set([role, ...(includes.get(role) ?? [])]);
  const allowed = (role: Role) =>
    unique(routes.filter((r) => granted(role).has(r.role)).map(invokePath));
  const reached = (role: Role) =>
    routes.filter(
      (r) =>
        !granted(role).has(r.role) &&
        allowed(role).some((pattern) => iamMatches(pattern, sampleRequest(r))),
    );

  // A role reached by another's patterns carries that role's routes too, until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const role of rolesIn) {
      for (const route of reached(role)) {
        const carrier = includes.get(route.role);
        const before = carrier?.size ?? 0;
        for (const implied of granted(role)) if (implied !== route.role) carrier?.add(implied);
        if ((carrier?.size ?? 0) > before) changed = true;
      }
    }
  }

  for (const role of rolesIn) {
    const mutual = [...(includes.get(role) ?? [])].find((other) => includes.get(other)?.has(role));
    if (mutual) {
      throw new Error(
        `${role} and ${mutual} reach each other's routes through *: no exact IAM policy separates them`,
      );
    }
  }

  return rolesIn.map((role) => {
    const deny = unique(reached(role).map(invokePath));
    for (const route of routes.filter((r) => granted(role).has(r.role))) {
      const blocked = deny.find((pattern) => iamMatches(pattern, sampleRequest(route)));
      if (blocked) {
        throw new Error(
          `${role}: denying ${blocked} would block its own route ${invokePath(route)}; no exact IAM policy exists for these routes`,
        );
      }
    }
    return {
      role,
      allow: allowed(role),
      deny,
      includes: ROLES.filter((r) => r !== role && granted(role).has(r)),
    };
  });
};

/** `customers:read` as a name fit for construct ids and stack outputs: `CustomersRead`. */
export const roleIdentifier = (role: Role): string =>
  role
    .split(/[^A-Za-z0-9]+/)
    .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1)}`)
    .join('');
