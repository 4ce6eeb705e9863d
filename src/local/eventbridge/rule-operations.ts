import { AwsJsonError } from '../aws-json/aws-json-server.js';
import { busNameOf } from './arns.js';
import {
  type EventBridgeRuleTarget,
  MAX_TARGETS_PER_RULE,
  type RuleCatalog,
  type RuleState,
  SQS_ARN,
  type TargetRetryPolicy,
} from './catalog.js';
import { InvalidEventPatternError, InvalidRuleError } from './errors.js';
import { compileEventPattern } from './event-pattern.js';

/**
 * The write side of EventBridge's rules and targets, and TestEventPattern, in the shapes and
 * with the error names of the AWS API reference, so the AWS CLI and the SDKs can add a consumer
 * of the bus's events. Targets are queues of the local SQS emulator, named by ARN.
 */

type Input = Record<string, unknown>;

const validation = (message: string) => new AwsJsonError('ValidationException', message);

const required = (input: Input, field: string): string => {
  const value = input[field];
  if (typeof value !== 'string' || value === '')
    throw validation(
      `1 validation error detected: Value at '${field.charAt(0).toLowerCase()}${field.slice(1)}' ` +
        'failed to satisfy constraint: Member must not be null',
    );
  return value;
};

const invalidPattern = (reason: string) =>
  new AwsJsonError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${reason}`);

/** Parses and checks a pattern as PutRule and TestEventPattern do. */
const parsePattern = (text: string): unknown => {
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch {
    throw invalidPattern('Filter is not valid JSON');
  }
  try {
    compileEventPattern(pattern);
  } catch (error) {
    if (error instanceof InvalidEventPatternError) throw invalidPattern(error.reason);
    throw error;
  }
  return pattern;
};

/** Errors of the catalog, as the API names them. */
const answering = <Result>(run: () => Result): Result => {
  try {
    return run();
  } catch (error) {
    if (error instanceof InvalidRuleError) {
      if (error.cause instanceof InvalidEventPatternError) throw invalidPattern(error.cause.reason);
      throw new AwsJsonError('ValidationException', error.message, 400, { cause: error });
    }
    throw error;
  }
};

const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

const ruleName = (input: Input, field: 'Name' | 'Rule'): string => {
  const name = required(input, field);
  if (!RULE_NAME.test(name))
    throw validation(
      `1 validation error detected: Value '${name}' at '${field.toLowerCase()}' failed to satisfy ` +
        'constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+',
    );
  return name;
};

export const putRule = (catalog: RuleCatalog, input: Input) => {
  const name = ruleName(input, 'Name');
  if (input.ScheduleExpression !== undefined)
    throw validation('ScheduleExpression is not supported by the local EventBridge.');
  if (typeof input.EventPattern !== 'string' || input.EventPattern === '')
    throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
  const eventPattern = parsePattern(input.EventPattern) as Record<string, unknown>;
  const state = input.State ?? 'ENABLED';
  if (state !== 'ENABLED' && state !== 'DISABLED')
    throw validation(
      `1 validation error detected: Value '${String(state)}' at 'state' failed to satisfy ` +
        'constraint: Member must satisfy enum value set: [ENABLED, DISABLED]',
    );
  const description = input.Description;
  if (description !== undefined && (typeof description !== 'string' || description.length > 512))
    throw validation(
      "1 validation error detected: Value at 'description' failed to satisfy constraint: " +
        'Member must have length less than or equal to 512',
    );
  const rule = answering(() =>
    catalog.putRule({
      name,
      eventBusName: busNameOf(input.EventBusName),
      eventPattern,
      state,
      ...(description === undefined ? {} : { description }),
    }),
  );
  return { RuleArn: rule.arn };
};

export const deleteRule = (catalog: RuleCatalog, input: Input) => {
  const name = ruleName(input, 'Name');
  const busName = busNameOf(input.EventBusName);
  if (catalog.rulesOf(busName).some((rule) => rule.name === name && rule.targets.length > 0))
    throw validation("Rule can't be deleted since it has targets.");
  catalog.deleteRule(busName, name);
  return {};
};

export const setRuleState = (catalog: RuleCatalog, input: Input, state: RuleState) => {
  catalog.setState(busNameOf(input.EventBusName), ruleName(input, 'Name'), state);
  return {};
};

interface FailedEntry {
  TargetId: string;
  ErrorCode: string;
  ErrorMessage: string;
}

const retryPolicyOf = (value: unknown): TargetRetryPolicy | undefined => {
  if (value === undefined) return undefined;
  const policy = (value ?? {}) as Record<string, unknown>;
  const attempts = policy.MaximumRetryAttempts ?? 185;
  const age = policy.MaximumEventAgeInSeconds ?? 86_400;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0 || attempts > 185)
    throw validation(
      "1 validation error detected: Value at 'targets.member.retryPolicy.maximumRetryAttempts' " +
        'failed to satisfy constraint: Member must have value between 0 and 185',
    );
  if (typeof age !== 'number' || !Number.isInteger(age) || age < 60 || age > 86_400)
    throw validation(
      "1 validation error detected: Value at 'targets.member.retryPolicy.maximumEventAgeInSeconds' " +
        'failed to satisfy constraint: Member must have value between 60 and 86400',
    );
  return { maximumRetryAttempts: attempts, maximumEventAgeInSeconds: age };
};

/** A target this stand-in can deliver to, or why not (a failed entry, as AWS lists them). */
const targetOf = (wire: Input): EventBridgeRuleTarget | FailedEntry => {
  const id = String(wire.Id ?? '');
  const failed = (message: string): FailedEntry => ({
    TargetId: id,
    ErrorCode: 'ValidationException',
    ErrorMessage: message,
  });
  if (typeof wire.Arn !== 'string' || !SQS_ARN.test(wire.Arn))
    return failed('The local EventBridge delivers only to SQS queues; Arn must be a queue ARN.');
  // Whole events only: the service's consumers read the envelope, and a transformed body
  // could not be delivered byte for byte as sent.
  for (const field of ['Input', 'InputPath', 'InputTransformer'])
    if (wire[field] !== undefined)
      return failed(`${field} is not supported by the local EventBridge; targets get the event.`);
  const deadLetter = (wire.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn;
  if (deadLetter !== undefined && (typeof deadLetter !== 'string' || !SQS_ARN.test(deadLetter)))
    return failed('DeadLetterConfig.Arn must be the ARN of an SQS queue.');
  const retryPolicy = retryPolicyOf(wire.RetryPolicy);
  return {
    id,
    arn: wire.Arn,
    ...(retryPolicy ? { retryPolicy } : {}),
    ...(typeof deadLetter === 'string' ? { deadLetterArn: deadLetter } : {}),
  };
};

const targetList = (input: Input, field: string, max: number): unknown[] => {
  const list = input[field];
  if (!Array.isArray(list) || list.length < 1 || list.length > max)
    throw validation(
      `1 validation error detected: Value at '${field.toLowerCase()}' failed to satisfy ` +
        `constraint: Member must have length between 1 and ${max}`,
    );
  return list;
};

export const putTargets = (catalog: RuleCatalog, input: Input) => {
  const busName = busNameOf(input.EventBusName);
  const name = ruleName(input, 'Rule');
  const rule = catalog.rule(busName, name);
  const wire = targetList(input, 'Targets', 10).map(
    (target): Input => (typeof target === 'object' && target ? (target as Input) : {}),
  );
  for (const target of wire)
    if (typeof target.Id !== 'string' || !RULE_NAME.test(target.Id))
      throw validation(
        `1 validation error detected: Value '${String(target.Id)}' at 'targets.member.id' ` +
          'failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+',
      );
  const checked = wire.map(targetOf);
  const accepted = checked.filter((t): t is EventBridgeRuleTarget => !('ErrorCode' in t));
  const failed = checked.filter((t): t is FailedEntry => 'ErrorCode' in t);
  const after = new Set([...rule.targets.map((t) => t.id), ...accepted.map((t) => t.id)]);
  if (after.size > MAX_TARGETS_PER_RULE)
    throw new AwsJsonError(
      'LimitExceededException',
      'The requested resource exceeds the maximum number allowed.',
    );
  if (accepted.length > 0) answering(() => catalog.putTargets(busName, name, accepted));
  return { FailedEntryCount: failed.length, FailedEntries: failed };
};

export const removeTargets = (catalog: RuleCatalog, input: Input) => {
  const busName = busNameOf(input.EventBusName);
  const name = ruleName(input, 'Rule');
  const ids = targetList(input, 'Ids', 100).map(String);
  const missing = catalog.removeTargets(busName, name, ids);
  const failed = missing.map((id) => ({
    TargetId: id,
    ErrorCode: 'ResourceNotFoundException',
    ErrorMessage: `Target ${id} does not exist on rule ${name}.`,
  }));
  return { FailedEntryCount: failed.length, FailedEntries: failed };
};

/** The fields TestEventPattern requires of the event, per the API reference. */
const EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'];

export const testEventPattern = (input: Input) => {
  const pattern = parsePattern(required(input, 'EventPattern'));
  let event: unknown;
  try {
    event = JSON.parse(required(input, 'Event'));
  } catch (error) {
    if (error instanceof AwsJsonError) throw error;
    throw validation('Parameter Event is not valid.');
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    throw validation('Parameter Event is not valid.');
  const absent = EVENT_FIELDS.filter((field) => !Object.hasOwn(event, field));
  if (absent.length > 0)
    throw validation(
      `Parameter Event is not valid. Reason: Provided Event must have ${absent.join(', ')}.`,
    );
  return { Result: compileEventPattern(pattern).matches(event) };
};
