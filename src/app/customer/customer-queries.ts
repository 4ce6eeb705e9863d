import { ValidationError } from '../../core/errors.js';
import { type Clock, sleep as defaultSleep } from '../../core/ports.js';
import { Backoff } from '../../core/retry.js';
import {
  CustomerForgottenError,
  CustomerId,
  CustomerNotFoundError,
  type CustomerStatus,
  normaliseEmail,
} from '../../domain/customer/index.js';
import { ViewNotCaughtUpError } from '../query-errors.js';
import { parseOrThrow } from '../validation.js';
import { isForgottenView } from './customer-view.js';
import type { CustomerView, CustomerViewPage, CustomerViewReader } from './customer-view-reader.js';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;
export const MAX_EMAIL_QUERY_LENGTH = 254;
/** The longest domain name DNS allows. */
export const MAX_DOMAIN_LENGTH = 253;
/** A domain as an address's domain may be (`Email` in the domain): dot-separated labels. */
export const DOMAIN_PATTERN = /^(?:[a-z0-9][a-z0-9-]*\.)+[a-z]{2,}$/;

/** `prefix` (the default): addresses starting with the query; `exact`: that address only. */
export type EmailMatch = 'prefix' | 'exact';
export const EMAIL_MATCHES: readonly EmailMatch[] = ['prefix', 'exact'];

export interface EmailSearch extends PageOptions {
  email?: string | undefined;
  match?: string | undefined;
  /** Customers whose address is at this domain (case-insensitive); instead of `email`. */
  domain?: string | undefined;
}

export interface CustomerQueryServiceOptions {
  reader: CustomerViewReader;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  /** Upper bound of a `minVersion` wait (config `MIN_VERSION_WAIT_MS`). */
  minVersionWaitMs?: number;
  /** First pause between polls of a `minVersion` wait; it doubles up to `maxPollDelayMs`. */
  initialPollDelayMs?: number;
  maxPollDelayMs?: number;
  /**
   * `minVersion` waits one process holds at once (default 50). A request beyond them reads
   * once and answers at once: a long-lived server cannot fill up with waiters.
   */
  maxConcurrentWaits?: number;
}

export interface GetCustomerOptions {
  /** Answer only once the view has applied this version (read-your-writes). */
  minVersion?: number;
  /** A shorter wait than the configured bound; never a longer one. */
  waitMs?: number;
}

export interface PageOptions {
  limit?: number;
  cursor?: string;
}

const systemClock: Clock = { now: () => new Date() };

const checkLimit = (limit: number | undefined): number => {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    const message = `must be an integer from 1 to ${MAX_PAGE_LIMIT}`;
    throw new ValidationError(`Invalid limit: ${message}`, {
      details: [{ field: 'limit', message }],
    });
  }
  return limit;
};

const checkVersion = (minVersion: number): number => {
  if (!Number.isSafeInteger(minVersion) || minVersion < 1) {
    const message = 'must be a positive integer';
    throw new ValidationError(`Invalid minVersion: ${message}`, {
      details: [{ field: 'minVersion', message }],
    });
  }
  return minVersion;
};

const checkEmailQuery = (email: string): string => {
  const query = normaliseEmail(email);
  const problem =
    query.length === 0
      ? 'must not be empty'
      : query.length > MAX_EMAIL_QUERY_LENGTH
        ? `must be at most ${MAX_EMAIL_QUERY_LENGTH} characters`
        : undefined;
  if (problem) {
    throw new ValidationError(`Invalid email: ${problem}`, {
      details: [{ field: 'email', message: problem }],
    });
  }
  return query;
};

const invalidField = (field: string, message: string): ValidationError =>
  new ValidationError(`Invalid ${field}: ${message}`, { details: [{ field, message }] });

const checkDomain = (domain: string): string => {
  const query = domain.trim().toLowerCase();
  if (query.length === 0) throw invalidField('domain', 'must not be empty');
  if (query.length > MAX_DOMAIN_LENGTH || !DOMAIN_PATTERN.test(query)) {
    throw invalidField(
      'domain',
      `must be a domain name such as example.com, at most ${MAX_DOMAIN_LENGTH} characters`,
    );
  }
  return query;
};

const checkMatch = (match: string | undefined): EmailMatch => {
  const found = EMAIL_MATCHES.find((m) => m === (match ?? 'prefix'));
  if (!found) throw invalidField('match', `must be one of ${EMAIL_MATCHES.join(', ')}`);
  return found;
};

/** The Customer service's read side: answers from the CustomerViews read model only. */
export class CustomerQueryService {
  private readonly reader: CustomerViewReader;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxWaitMs: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxWaits: number;
  private waiting = 0;

  constructor(options: CustomerQueryServiceOptions) {
    this.reader = options.reader;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? defaultSleep;
    this.maxWaitMs = options.minVersionWaitMs ?? 3000;
    this.initialDelayMs = options.initialPollDelayMs ?? 25;
    this.maxDelayMs = options.maxPollDelayMs ?? 100;
    this.maxWaits = Math.max(0, options.maxConcurrentWaits ?? 50);
  }

  async getCustomer(customerId: string, options: GetCustomerOptions = {}): Promise<CustomerView> {
    const id = parseOrThrow(CustomerId, customerId, 'customerId', 'customerId');
    if (options.minVersion === undefined) {
      const view = await this.reader.get(id);
      if (!view) throw new CustomerNotFoundError(id);
      if (isForgottenView(view)) throw new CustomerForgottenError(id);
      return view;
    }
    return this.waitForVersion(id, checkVersion(options.minVersion), options.waitMs);
  }

  async listActive(options: PageOptions = {}): Promise<CustomerViewPage> {
    return this.listByStatus('ACTIVE', options);
  }

  /** Customers with this status, oldest registration first. */
  async listByStatus(status: CustomerStatus, options: PageOptions = {}): Promise<CustomerViewPage> {
    const limit = checkLimit(options.limit);
    return this.reader.listByStatus(status, { limit, ...cursorOf(options) });
  }

  /**
   * Case-insensitive, in email order: addresses starting with `email` (`match` `prefix`, the
   * default), exactly `email` (`match` `exact`), or every address at `domain`.
   */
  async searchByEmail(options: EmailSearch): Promise<CustomerViewPage> {
    if (options.domain !== undefined) {
      if (options.email !== undefined) {
        throw invalidField('domain', 'must not be given with email: search by one or the other');
      }
      if (options.match !== undefined) {
        throw invalidField('match', 'applies to an email search, not to a domain');
      }
      const domain = checkDomain(options.domain);
      const limit = checkLimit(options.limit);
      return this.reader.listByEmailDomain(domain, { limit, ...cursorOf(options) });
    }
    if (options.email === undefined) throw invalidField('email', 'is required (or domain)');
    const query = checkEmailQuery(options.email);
    const match = checkMatch(options.match);
    const limit = checkLimit(options.limit);
    const page = { limit, ...cursorOf(options) };
    return match === 'exact'
      ? this.reader.findByEmail(query, page)
      : this.reader.searchByEmailPrefix(query, page);
  }

  /**
   * Polls with doubling pauses until the view reaches `minVersion` or the bound passes. A view
   * that does not exist yet counts as version 0: a registration's view may simply lag. The
   * "not yet" answer tells the client when to ask again, so the wait happens there.
   */
  private async waitForVersion(
    customerId: string,
    minVersion: number,
    waitMs: number | undefined,
  ): Promise<CustomerView> {
    if (this.waiting >= this.maxWaits) return this.pollVersion(customerId, minVersion, 0);
    this.waiting++;
    try {
      return await this.pollVersion(customerId, minVersion, waitMs);
    } finally {
      this.waiting--;
    }
  }

  private async pollVersion(
    customerId: string,
    minVersion: number,
    waitMs: number | undefined,
  ): Promise<CustomerView> {
    const bound = Math.max(0, Math.min(waitMs ?? this.maxWaitMs, this.maxWaitMs));
    const backoff = new Backoff(
      {
        initialDelayMs: this.initialDelayMs,
        maxDelayMs: this.maxDelayMs,
        jitter: 'none',
        budgetMs: bound,
      },
      { sleep: this.sleep, now: () => this.clock.now().getTime() },
    );
    for (;;) {
      const view = await this.reader.get(customerId, { consistent: true });
      if (isForgottenView(view)) throw new CustomerForgottenError(customerId);
      if (view && view.version >= minVersion) return view;
      if (!(await backoff.wait())) {
        throw new ViewNotCaughtUpError(
          customerId,
          minVersion,
          view?.version ?? 0,
          backoff.elapsedMs,
        );
      }
    }
  }
}

const cursorOf = (options: PageOptions): { cursor?: string } =>
  options.cursor === undefined ? {} : { cursor: options.cursor };
