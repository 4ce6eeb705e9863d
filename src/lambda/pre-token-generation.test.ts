import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { limitScopesToGroups, scopesToSuppress } from './pre-token-generation.js';

const PREFIX = 'customer-service/';
const all = [
  'openid',
  'customer-service/customers:read',
  'customer-service/customers:history',
  'customer-service/customers:write',
  'customer-service/customers:erase',
  'customer-service/ops:read',
  'customer-service/ops:write',
];

const event = (scopes: string[] | undefined, groups: string[] | undefined) =>
  ({
    version: '2',
    triggerSource: 'TokenGeneration_HostedAuth',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_TEST',
    userName: 'reader',
    callerContext: { awsSdkVersion: 'x', clientId: 'console' },
    request: {
      userAttributes: { sub: 'u-1' },
      groupConfiguration: groups === undefined ? {} : { groupsToOverride: groups },
      ...(scopes === undefined ? {} : { scopes }),
    },
    response: { claimsAndScopeOverrideDetails: {} },
  }) as unknown as PreTokenGenerationV2TriggerEvent;

describe('pre token generation: access tokens carry only the roles of the user’s groups', () => {
  it('a reader keeps openid and customers:read, and loses the five others', () => {
    expect(scopesToSuppress(all, ['customers:read'], PREFIX)).toEqual([
      'customer-service/customers:history',
      'customer-service/customers:write',
      'customer-service/customers:erase',
      'customer-service/ops:read',
      'customer-service/ops:write',
    ]);
  });

  it('a user in every group keeps every scope; a user in none keeps only openid', () => {
    const groups = all.filter((s) => s !== 'openid').map((s) => s.slice(PREFIX.length));
    expect(scopesToSuppress(all, groups, PREFIX)).toEqual([]);
    expect(scopesToSuppress(all, [], PREFIX)).toEqual(all.filter((s) => s !== 'openid'));
  });

  it('other groups grant nothing, and an unprefixed role name in the scopes is not a role scope here', () => {
    expect(
      scopesToSuppress(['customers:read', 'customer-service/ops:read'], ['admins'], PREFIX),
    ).toEqual(['customer-service/ops:read']);
  });

  it('writes scopesToSuppress into the version 2 response, and suppresses nothing without scopes', () => {
    const limited = limitScopesToGroups(event(all, ['ops:read', 'ops:write']), PREFIX);
    expect(limited.response.claimsAndScopeOverrideDetails).toEqual({
      accessTokenGeneration: {
        scopesToSuppress: [
          'customer-service/customers:read',
          'customer-service/customers:history',
          'customer-service/customers:write',
          'customer-service/customers:erase',
        ],
      },
    });
    const none = limitScopesToGroups(event(undefined, undefined), PREFIX);
    expect(none.response.claimsAndScopeOverrideDetails.accessTokenGeneration).toEqual({
      scopesToSuppress: [],
    });
  });
});
