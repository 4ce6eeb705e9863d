import shapes from './data/email-shapes.json' with { type: 'json' };

/** A seeded generator of floats in [0, 1) (mulberry32): the same seed, the same population. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Draws indexes in proportion to their weights (binary search over cumulative weights). */
export class WeightedIndex {
  private readonly cumulative: Float64Array;

  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length);
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      total += Math.max(0, weights[i] ?? 0);
      this.cumulative[i] = total;
    }
    if (total <= 0) throw new RangeError('WeightedIndex needs a positive weight');
  }

  pick(random: () => number): number {
    const target = random() * (this.cumulative[this.cumulative.length - 1] ?? 0);
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.cumulative[mid] ?? 0) > target) high = mid;
      else low = mid + 1;
    }
    return low;
  }
}

/** Draws values in proportion to their weights. */
export class WeightedChoice<T> {
  private readonly index: WeightedIndex;

  constructor(private readonly entries: (readonly [T, number])[]) {
    this.index = new WeightedIndex(entries.map(([, weight]) => weight));
  }

  pick(random: () => number): T {
    return (this.entries[this.index.pick(random)] as readonly [T, number])[0];
  }
}

const companyDomainName = (rank: number): string => {
  const { words, suffixes } = shapes.companyDomains;
  const first = words[rank % words.length];
  const second = words[Math.floor(rank / words.length) % words.length];
  const round = Math.floor(rank / (words.length * words.length));
  const suffix = suffixes[rank % suffixes.length];
  return `${first}${second}${round > 0 ? round : ''}${suffix}`;
};

export interface EmailShapes {
  firstName: WeightedChoice<string>;
  surname: WeightedChoice<string>;
  nickname: WeightedChoice<string>;
  format: WeightedChoice<string>;
  domain: { pick(random: () => number): string };
}

const buildShapes = (): EmailShapes => {
  const { count, zipfExponent, share } = shapes.companyDomains;
  const consumer = Object.entries(shapes.domains);
  const consumerShare = consumer.reduce((n, [, w]) => n + w, 0);
  // Company domains follow Zipf's law: the k-th largest holds a share proportional to 1/k^s.
  let harmonic = 0;
  for (let k = 1; k <= count; k++) harmonic += 1 / k ** zipfExponent;
  const weights = new Float64Array(consumer.length + count);
  consumer.forEach(([, w], i) => {
    weights[i] = w / (consumerShare + share);
  });
  for (let k = 0; k < count; k++) {
    weights[consumer.length + k] = (share * (1 / (k + 1) ** zipfExponent)) / harmonic;
  }
  const domains = new WeightedIndex(weights);
  return {
    firstName: new WeightedChoice(Object.entries(shapes.firstNames)),
    surname: new WeightedChoice(Object.entries(shapes.surnames)),
    nickname: new WeightedChoice(shapes.nicknames.map((n) => [n, 1] as const)),
    format: new WeightedChoice(Object.entries(shapes.formats)),
    domain: {
      pick: (random) => {
        const i = domains.pick(random);
        return consumer[i]?.[0] ?? companyDomainName(i - consumer.length);
      },
    },
  };
};

let built: EmailShapes | undefined;
const emailShapes = (): EmailShapes => {
  built ??= buildShapes();
  return built;
};

/** Where the shapes come from, for reports. */
export const emailShapeSources = shapes.sources;

export interface GeneratedPerson {
  name: string;
  email: string;
}

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * People with real-world email shapes (`first.last@gmail.com`, `jsmith@acmesummit.com`,
 * `mary1987@yahoo.com`, `skywalker42@outlook.com`), deterministic for a seed. Every address
 * it returns is distinct: a taken one gets digits added, as people do when they sign up.
 */
export class EmailPopulation {
  private readonly random: () => number;
  private readonly issued = new Set<string>();

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  next(): GeneratedPerson {
    const shapes = emailShapes();
    const first = shapes.firstName.pick(this.random);
    const last = shapes.surname.pick(this.random);
    const domain = shapes.domain.pick(this.random);
    const consumer = domain in emailShapeDomains;
    let format = shapes.format.pick(this.random);
    // People write to work as first.last or flast, not as a nickname.
    if (!consumer && format !== 'first.last') format = 'flast';
    const digits = () => String(Math.floor(this.random() * (this.random() < 0.5 ? 100 : 10_000)));
    const local =
      format === 'first.last'
        ? `${first}.${last}`
        : format === 'flast'
          ? `${first.charAt(0)}${last}`
          : format === 'firstlast'
            ? `${first}${last}`
            : format === 'first123'
              ? `${first}${digits()}`
              : `${shapes.nickname.pick(this.random)}${digits()}`;
    let email = `${local}@${domain}`;
    for (let n = 2; this.issued.has(email); n++) {
      email = `${local}${n > 9 ? Math.floor(this.random() * 10_000) : n}@${domain}`;
    }
    this.issued.add(email);
    return { name: `${capitalised(first)} ${capitalised(last)}`, email };
  }
}

const emailShapeDomains: Record<string, number> = shapes.domains;
