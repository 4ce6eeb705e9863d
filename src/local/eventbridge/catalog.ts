import { DEFAULT_BUS, eventBusArn, type Partition, queueArnOf, ruleArn } from './arns.js';
import { InvalidEventPatternError, InvalidRuleError, UnknownResourceError } from './errors.js';
import {
  type CompiledEventPattern,
  compileEventPattern,
  type EventPattern,
} from './event-pattern.js';

/** An SQS queue a rule delivers to. */
export interface EventBridgeRuleTarget {
  id: string;
  /** The queue's ARN, as ListTargetsByRule answers it; derived from the URL when absent. */
  arn?: string;
  queueUrl: string;
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
  targets: Required<EventBridgeRuleTarget>[];
  state: RuleState;
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
const MAX_TARGETS_PER_RULE = 5;

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
  addRule(rule: EventBridgeRule): StoredRule {
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
    const targets = this.checkTargets(rule.targets);
    if (this.rules.get(rule.eventBusName)?.has(rule.name))
      throw new InvalidRuleError(
        'name',
        `rule ${rule.name} already exists on event bus ${rule.eventBusName}`,
      );
    const bus = this.addBus(rule.eventBusName);
    const stored: StoredRule = {
      name: rule.name,
      arn: ruleArn(this.partition, bus.name, rule.name),
      busName: bus.name,
      pattern,
      targets,
      state,
      ...(rule.description === undefined ? {} : { description: rule.description }),
    };
    this.rules.get(bus.name)?.set(stored.name, stored);
    return stored;
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

  /** The targets of every enabled rule on the bus whose pattern matches the event. */
  targetsFor(busName: string, event: unknown): Required<EventBridgeRuleTarget>[] {
    return [...(this.rules.get(busName)?.values() ?? [])]
      .filter((rule) => rule.state === 'ENABLED' && rule.pattern.matches(event))
      .flatMap((rule) => rule.targets);
  }

  private checkTargets(targets: unknown): Required<EventBridgeRuleTarget>[] {
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
      if (typeof target.queueUrl !== 'string' || !URL.canParse(target.queueUrl))
        throw new InvalidRuleError(`targets[${at}].queueUrl`, 'must be an SQS queue URL');
      return {
        id: target.id,
        queueUrl: target.queueUrl,
        arn: target.arn ?? queueArnOf(this.partition, target.queueUrl),
      };
    });
  }
}
