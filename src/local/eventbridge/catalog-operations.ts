import { AwsJsonError } from '../aws-json/aws-json-server.js';
import { busNameOf, DEFAULT_BUS } from './arns.js';
import type { RuleCatalog, StoredBus, StoredRule } from './catalog.js';
import { page } from './paging.js';

/**
 * The read side of EventBridge's rules and buses, in the shapes of the AWS API reference
 * (`@aws-sdk/client-eventbridge` models): what an operator or the AWS CLI asks to see what
 * routes where.
 */

type Input = Record<string, unknown>;

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

const requiredName = (input: Input, field: string): string => {
  const value = input[field];
  if (typeof value !== 'string' || value === '')
    throw new AwsJsonError(
      'ValidationException',
      `1 validation error detected: Value at '${field.charAt(0).toLowerCase()}${field.slice(1)}' ` +
        'failed to satisfy constraint: Member must not be null',
    );
  return value;
};

const optionalString = (input: Input, field: string): string | undefined => {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new AwsJsonError('SerializationException', `${field} must be a string.`);
  return value;
};

const ruleSummary = (rule: StoredRule) => ({
  Name: rule.name,
  Arn: rule.arn,
  EventPattern: JSON.stringify(rule.pattern.pattern),
  State: rule.state,
  ...(rule.description === undefined ? {} : { Description: rule.description }),
  EventBusName: rule.busName,
});

const busSummary = (bus: StoredBus) => ({
  Name: bus.name,
  Arn: bus.arn,
  CreationTime: epochSeconds(bus.createdAt),
  LastModifiedTime: epochSeconds(bus.createdAt),
});

export const listRules = (catalog: RuleCatalog, input: Input) => {
  const prefix = optionalString(input, 'NamePrefix') ?? '';
  const rules = catalog
    .rulesOf(busNameOf(input.EventBusName))
    .filter((rule) => rule.name.startsWith(prefix));
  const { items, nextToken } = page(rules, (rule) => rule.name, input);
  return { Rules: items.map(ruleSummary), ...(nextToken ? { NextToken: nextToken } : {}) };
};

export const describeRule = (catalog: RuleCatalog, input: Input, account: string) => ({
  ...ruleSummary(catalog.rule(busNameOf(input.EventBusName), requiredName(input, 'Name'))),
  CreatedBy: account,
});

export const listTargetsByRule = (catalog: RuleCatalog, input: Input) => {
  const rule = catalog.rule(busNameOf(input.EventBusName), requiredName(input, 'Rule'));
  const { items, nextToken } = page(rule.targets, (target) => target.id, input);
  return {
    Targets: items.map((target) => ({ Id: target.id, Arn: target.arn })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const listEventBuses = (catalog: RuleCatalog, input: Input) => {
  const prefix = optionalString(input, 'NamePrefix') ?? '';
  const buses = catalog.allBuses().filter((bus) => bus.name.startsWith(prefix));
  const { items, nextToken } = page(buses, (bus) => bus.name, input);
  return { EventBuses: items.map(busSummary), ...(nextToken ? { NextToken: nextToken } : {}) };
};

export const describeEventBus = (catalog: RuleCatalog, input: Input) =>
  busSummary(catalog.bus(busNameOf(optionalString(input, 'Name') ?? DEFAULT_BUS)));
