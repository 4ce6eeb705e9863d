import { ROLES, type Role } from '../../app/access/roles.js';

/** The audience of every access token, the resource indicator the tokens are issued for. */
export const LOCAL_API_AUDIENCE = 'urn:customer-service';

/**
 * The local users and their roles: whatever a client asks for, a user's token holds these
 * scopes and no others. Any password signs them in; no other name does.
 */
export const LOCAL_USERS = {
  reader: ['customers:read'],
  historian: ['customers:read', 'customers:history'],
  writer: ['customers:read', 'customers:write'],
  eraser: ['customers:read', 'customers:erase'],
  'ops-reader': ['ops:read'],
  operator: [...ROLES],
} as const satisfies Record<string, readonly Role[]>;

export type LocalUser = keyof typeof LOCAL_USERS;

export const isLocalUser = (name: string): name is LocalUser => Object.hasOwn(LOCAL_USERS, name);

/**
 * The clients: the console signs users in (authorization code with PKCE, no secret); the
 * development tool gets tokens for itself (client credentials, any of the roles' scopes).
 */
export const LOCAL_CLIENTS = {
  console: { clientId: 'console', redirectPath: '/console/signed-in' },
  devTool: { clientId: 'dev-tool', clientSecret: 'dev-tool-secret' },
} as const;
