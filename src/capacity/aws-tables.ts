import prices from './data/aws-prices.json' with { type: 'json' };
import quotas from './data/aws-quotas.json' with { type: 'json' };

export type QuotaName = keyof typeof quotas.quotas;
export type PriceName = keyof typeof prices.prices;

export interface Quota {
  name: string;
  unit: string;
  value: number | null;
  adjustable: boolean;
  source: string;
}

/** AWS's default quota in a Region, from the dated table in `data/aws-quotas.json`. */
export const quotaIn = (key: QuotaName, region: string): Quota => {
  const entry = quotas.quotas[key] as {
    name: string;
    unit: string;
    default: number | null;
    regions?: Record<string, number>;
    adjustable: boolean;
    source: string;
  };
  return {
    name: entry.name,
    unit: entry.unit,
    value: entry.regions?.[region] ?? entry.default,
    adjustable: entry.adjustable,
    source: entry.source,
  };
};

/** USD for `quantity` units of a price of `data/aws-prices.json`. */
export const priceOf = (key: PriceName, quantity: number): number => {
  const price = prices.prices[key];
  return (price.usd * quantity) / price.per;
};

export const priceTable = {
  region: prices.region,
  retrieved: prices.retrieved,
  prices: prices.prices,
};
export const quotaTable = { retrieved: quotas.retrieved, quotas: quotas.quotas };

/** Regions the quota table names (any other takes the defaults). */
export const knownRegions = (): string[] => {
  const names = new Set<string>(['us-east-1']);
  for (const entry of Object.values(quotas.quotas) as { regions?: Record<string, number> }[]) {
    for (const region of Object.keys(entry.regions ?? {})) names.add(region);
  }
  return [...names].sort();
};
