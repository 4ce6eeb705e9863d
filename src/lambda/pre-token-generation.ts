import type {
  PreTokenGenerationV2TriggerEvent,
  PreTokenGenerationV2TriggerHandler,
} from 'aws-lambda';
import { isRole, ROLES, scopeFor } from '../app/access/roles.js';
import { readConfig } from '../config.js';

/**
 * The role scopes a token asked for that the user's groups do not grant. Cognito puts every
 * scope the app client may request into the access token, whoever signs in; the groups
 * (named like the roles) say who holds what. Other scopes (`openid`, ...) stay.
 */
export const scopesToSuppress = (
  requested: readonly string[],
  groups: readonly string[],
  prefix: string,
): string[] => {
  const held = new Set(groups.filter(isRole));
  return requested.filter((scope) =>
    ROLES.some((role) => scope === scopeFor(role, prefix) && !held.has(role)),
  );
};

/** Cognito's pre token generation trigger (event version 2): access tokens carry only held roles. */
export const limitScopesToGroups = <E extends PreTokenGenerationV2TriggerEvent>(
  event: E,
  prefix: string,
): E => {
  const suppress = scopesToSuppress(
    event.request.scopes ?? [],
    event.request.groupConfiguration.groupsToOverride ?? [],
    prefix,
  );
  event.response = {
    claimsAndScopeOverrideDetails: { accessTokenGeneration: { scopesToSuppress: suppress } },
  };
  return event;
};

const prefix = readConfig().AUTH_SCOPE_PREFIX;

export const handler: PreTokenGenerationV2TriggerHandler = async (event) =>
  limitScopesToGroups(event, prefix);
