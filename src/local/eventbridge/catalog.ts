import { DEFAULT_BUS, eventBusArn, type Partition, queueArnOf, ruleArn } from './arns.js';
import { InvalidEventPatternError, InvalidRuleError, UnknownResourceError } from './errors.js';
import {
  type CompiledEventPattern,
  compileEventPattern,
  type EventPattern,
} from './event-pattern.js';

/** How long EventBridge keeps retrying a failed delivery to a target (AWS `RetryPolicy`). */
export interface TargetRetryPolicy {
  maximumRetryAttempts: number;
  maximumEventAgeInSeconds: number;
}

/** EventBridge's default for a rule target: 185 attempts over 24 hours. */
export const DEFAULT_RETRY_POLICY: TargetRetryPolicy = {
  maximumRetryAttempts: 185,
  maximumEventAgeInSeconds: 86_400,
};

/** An SQS queue a rule delivers to. */
export interface EventBridgeRuleTarget {
  id: string;
  /** The queue's ARN, as ListTargetsByRule answers it; derived from the URL when absent. */
  arn?: string;
  /** Where to send; resolved from the ARN on the SQS emulator when absent. */
  queueUrl?: string;
  retryPolicy?: TargetRetryPolicy;
  /** The ARN of the SQS queue that receives what could not be delivered. */
  deadLetterArn?: string;
}

export interface StoredTarget {
  id: string;
  arn: string;
  queueUrl?: string;
  retryPolicy: TargetRetryPolicy;
  deadLetterArn?: string;
}

export type RuleState = 'ENABLED' | 'DISABLED';

/** A rule as PutRule and PutTargets would create it, given in code. */
export interface EventBridgeRule {
  name: string;
  eventBusName: string;
  eventPattern: EventPattern;
  targets: EventBridgeRuleTarget[];
  /** `ENABLED` when absent; a disabled rule delivers nothing. */
  state?: RuleState;
  description?: string;
}

export interface StoredRule {
  name: string;
  arn: string;
  busName: string;
  pattern: CompiledEventPattern;
  targets: StoredTarget[];
  state: RuleState;
  description?: string;
  /** Rules given in code come back from code at every start; the others are saved. */
  fromCode: boolean;
}

/** A rule as PutRule writes it: no targets, which PutTargets adds. */
export interface RuleDefinition {
  name: string;
  eventBusName: string;
  eventPattern: EventPattern;
  state?: RuleState;
  description?: string;
}

export interface StoredBus {
  name: string;
  arn: string;
  createdAt: Date;
}

/** EventBridge's limits on names (rules, buses, target ids) and targets per rule. */
const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
/** `arn:aws:sqs:<region>:<account>:<queue>`: the only kind of target this stand-in delivers to. */
export const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
export const MAX_TARGETS_PER_RULE = 5;

const byName = <Item extends { name: string }>(a: Item, b: Item): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * The buses and rules of the stand-in. Buses come into being with the first rule that names
 * them (or from the options); the default bus always exists, as in every AWS account.
 */
export class RuleCatalog {
  private readonly buses = new Map<string, StoredBus>();
  /** Rules by bus, then by name. */
  private readonly rules = new Map<string, Map<string, StoredRule>>();

  constructor(
    private readonly partition: Partition,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.addBus(DEFAULT_BUS);
  }

  addBus(name: string): StoredBus {
    const existing = this.buses.get(name);
    if (existing) return existing;
    if (!BUS_NAME.test(name))
      throw new InvalidRuleError('eventBusName', `"${name}" is not a valid event bus name`);
    const bus = { name, arn: eventBusArn(this.partition, name), createdAt: this.now() };
    this.buses.set(name, bus);
    this.rules.set(name, new Map());
    return bus;
  }

  /** Checks the rule as PutRule and PutTargets would, then adds it (and its bus). */
  addRule(rule: EventBridgeRule, fromCode = true): StoredRule {
    const checked = this.checkRule(rule);
    const targets = this.checkTargets(rule.targets);
    if (this.rules.get(rule.eventBusName)?.has(rule.name))
      throw new InvalidRuleError(
        'name',
        `rule ${rule.name} already exists on event bus ${rule.eventBusName}`,
      );
    const bus = this.addBus(rule.eventBusName);
    const stored: StoredRule = { ...checked, busName: bus.name, targets, fromCode };
    this.rules.get(bus.name)?.set(stored.name, stored);
    return stored;
  }

  /** PutRule: creates the rule, or replaces its pattern, state and description, keeping its targets. */
  putRule(rule: RuleDefinition): StoredRule {
    const checked = this.checkRule(rule);
    const bus = this.bus(rule.eventBusName);
    const existing = this.rules.get(bus.name)?.get(rule.name);
    const stored: StoredRule = {
      ...checked,
      busName: bus.name,
      targets: existing?.targets ?? [],
      fromCode: false,
    };
    this.rules.get(bus.name)?.set(stored.name, stored);
    return stored;
  }

  /** DeleteRule: a rule that still has targets stays, as on AWS. */
  deleteRule(busName: string, name: string): void {
    this.bus(busName);
    const rule = this.rules.get(busName)?.get(name);
    // Deleting a rule that does not exist succeeds on AWS.
    if (!rule) return;
    if (rule.targets.length > 0)
      throw new InvalidRuleError('name', "Rule can't be deleted since it has targets.");
    this.rules.get(busName)?.delete(name);
  }

  setState(busName: string, name: string, state: RuleState): void {
    const rule = this.rule(busName, name);
    rule.state = state;
    rule.fromCode = false;
  }

  /** PutTargets: adds or replaces targets by id, keeping at most five. */
  putTargets(busName: string, name: string, targets: EventBridgeRuleTarget[]): void {
    const rule = this.rule(busName, name);
    const added = this.checkTargets(targets);
    const kept = rule.targets.filter((target) => !added.some((other) => other.id === target.id));
    if (kept.length + added.length > MAX_TARGETS_PER_RULE)
      throw new InvalidRuleError(
        'targets',
        `a rule has a list of 0 to ${MAX_TARGETS_PER_RULE} targets`,
      );
    rule.targets = [...kept, ...added];
    rule.fromCode = false;
  }

  /** RemoveTargets: the ids that were not there are answered, as AWS lists failed entries. */
  removeTargets(busName: string, name: string, ids: string[]): string[] {
    const rule = this.rule(busName, name);
    const missing = ids.filter((id) => !rule.targets.some((target) => target.id === id));
    rule.targets = rule.targets.filter((target) => !ids.includes(target.id));
    rule.fromCode = false;
    return missing;
  }

  private checkRule(rule: RuleDefinition) {
    if (typeof rule.name !== 'string' || !NAME.test(rule.name))
      throw new InvalidRuleError('name', `"${String(rule.name)}" is not a valid rule name`);
    let pattern: CompiledEventPattern;
    try {
      pattern = compileEventPattern(rule.eventPattern);
    } catch (error) {
      if (!(error instanceof InvalidEventPatternError)) throw error;
      const field = error.field === '' ? 'eventPattern' : `eventPattern.${error.field}`;
      throw new InvalidRuleError(field, error.message, { cause: error });
    }
    const state = rule.state ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED')
      throw new InvalidRuleError('state', `"${String(state)}" is not ENABLED or DISABLED`);
    return {
      name: rule.name,
      arn: ruleArn(this.partition, rule.eventBusName, rule.name),
      pattern,
      state: state as RuleState,
      ...(rule.description === undefined ? {} : { description: rule.description }),
    };
  }

  hasBus(name: string): boolean {
    return this.buses.has(name);
  }

  bus(name: string): StoredBus {
    const bus = this.buses.get(name);
    if (!bus) throw new UnknownResourceError(`Event bus ${name} does not exist.`);
    return bus;
  }

  /** Every bus, by name. */
  allBuses(): StoredBus[] {
    return [...this.buses.values()].sort(byName);
  }

  /** The rules of one bus, by name. */
  rulesOf(busName: string): StoredRule[] {
    this.bus(busName);
    return [...(this.rules.get(busName)?.values() ?? [])].sort(byName);
  }

  rule(busName: string, name: string): StoredRule {
    this.bus(busName);
    const rule = this.rules.get(busName)?.get(name);
    if (!rule)
      throw new UnknownResourceError(`Rule ${name} does not exist on EventBus ${busName}.`);
    return rule;
  }

  /** Every rule, on every bus. */
  allRules(): StoredRule[] {
    return [...this.rules.values()].flatMap((rules) => [...rules.values()]);
  }

  /** The targets of every enabled rule on the bus whose pattern matches the event. */
  targetsFor(busName: string, event: unknown): { rule: StoredRule; target: StoredTarget }[] {
    return [...(this.rules.get(busName)?.values() ?? [])]
      .filter((rule) => rule.state === 'ENABLED' && rule.pattern.matches(event))
      .flatMap((rule) => rule.targets.map((target) => ({ rule, target })));
  }

  private checkTargets(targets: unknown): StoredTarget[] {
    if (!Array.isArray(targets) || targets.length > MAX_TARGETS_PER_RULE)
      throw new InvalidRuleError(
        'targets',
        `a rule has a list of 0 to ${MAX_TARGETS_PER_RULE} targets`,
      );
    const ids = new Set<string>();
    return targets.map((target: Partial<EventBridgeRuleTarget>, at) => {
      if (typeof target.id !== 'string' || !NAME.test(target.id))
        throw new InvalidRuleError(`targets[${at}].id`, `"${String(target.id)}" is not a valid id`);
      if (ids.has(target.id))
        throw new InvalidRuleError(`targets[${at}].id`, `id ${target.id} is used twice`);
      ids.add(target.id);
      const { queueUrl, arn } = target;
      if (queueUrl !== undefined && (typeof queueUrl !== 'string' || !URL.canParse(queueUrl)))
        throw new InvalidRuleError(`targets[${at}].queueUrl`, 'must be an SQS queue URL');
      if (queueUrl === undefined && (typeof arn !== 'string' || !SQS_ARN.test(arn)))
        throw new InvalidRuleError(`targets[${at}].arn`, 'must be the ARN of an SQS queue');
      return {
        id: target.id,
        arn: arn ?? queueArnOf(this.partition, queueUrl ?? ''),
        ...(queueUrl === undefined ? {} : { queueUrl }),
        retryPolicy: target.retryPolicy ?? DEFAULT_RETRY_POLICY,
        ...(target.deadLetterArn === undefined ? {} : { deadLetterArn: target.deadLetterArn }),
      };
    });
  }
}
