import {
  CAPACITY_MODES,
  type CapacityMode,
  DEFAULT_TARGET_UTILIZATION_PERCENT,
  TARGET_UTILIZATION_RANGE,
} from '../../infra/stack-sizing.js';
import { type PriceName, priceOf } from './aws-tables.js';

export {
  CAPACITY_MODES,
  type CapacityMode,
  DEFAULT_TARGET_UTILIZATION_PERCENT,
  TARGET_UTILIZATION_RANGE,
};

/** How a table is billed: per request, or per provisioned unit-hour at a target utilisation. */
export type Billing =
  | { mode: 'on-demand' }
  | { mode: 'provisioned'; targetUtilizationPercent: number };

export const billingOf = (
  mode: CapacityMode,
  targetUtilizationPercent = DEFAULT_TARGET_UTILIZATION_PERCENT,
): Billing => (mode === 'on-demand' ? { mode } : { mode, targetUtilizationPercent });

const PRICES: Record<CapacityMode, Record<'read' | 'write', PriceName>> = {
  'on-demand': { read: 'dynamodb.readRequestUnit', write: 'dynamodb.writeRequestUnit' },
  provisioned: { read: 'dynamodb.readCapacityUnitHour', write: 'dynamodb.writeCapacityUnitHour' },
};

/**
 * USD for `units` read or write units consumed. On demand bills each unit; provisioned bills
 * unit-hours, and a unit consumed every second at the target utilisation needs
 * 100/target provisioned: auto scaling keeps the rest free for bursts. A sustained load is
 * assumed (auto scaling's minimum below it, and its lag, are not priced).
 */
export const dynamodbUnitsUsd = (billing: Billing, kind: 'read' | 'write', units: number) =>
  billing.mode === 'on-demand'
    ? priceOf(PRICES['on-demand'][kind], units)
    : priceOf(PRICES.provisioned[kind], units / 3600 / (billing.targetUtilizationPercent / 100));

export const billingLabel = (billing: Billing): string =>
  billing.mode === 'on-demand'
    ? 'on demand'
    : `provisioned at ${billing.targetUtilizationPercent}% utilisation`;
