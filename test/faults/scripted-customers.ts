/** One command of a scripted customer, with the event it must leave in the store. */
export interface CommandStep {
  customerId: string;
  /** Idempotency-Key: the same on every retry of this step. */
  key: string;
  method: 'POST' | 'PUT';
  path: string;
  body: unknown;
  eventType: string;
}

export type Outcome =
  | { kind: 'answered'; status: number; version: number | undefined; replayed: boolean }
  | { kind: 'dropped'; error: string };

/**
 * A customer's life as a list of commands, each of which appends exactly one event (every
 * step changes something), so "one event per key" is what exactly-once means here.
 */
export const customerScript = (run: string, index: number, steps = 6): CommandStep[] => {
  const customerId = `${run}-c${index}`;
  const email = (n: number) => `${customerId}.${n}@example.com`;
  const cycle: Array<Omit<CommandStep, 'customerId' | 'key'>> = [
    {
      method: 'POST',
      path: '/customers',
      body: { customerId, email: email(0), name: `Customer ${index}` },
      eventType: 'CustomerRegistered',
    },
  ];
  for (let n = 1; cycle.length < steps; n++) {
    const kind = (n - 1) % 3;
    if (kind === 0)
      cycle.push({
        method: 'PUT',
        path: `/customers/${customerId}/email`,
        body: { email: email(n) },
        eventType: 'CustomerEmailUpdated',
      });
    else if (kind === 1)
      cycle.push({
        method: 'POST',
        path: `/customers/${customerId}/suspend`,
        body: { reason: `step ${n}` },
        eventType: 'CustomerSuspended',
      });
    else
      cycle.push({
        method: 'POST',
        path: `/customers/${customerId}/reactivate`,
        body: {},
        eventType: 'CustomerReactivated',
      });
  }
  return cycle.map((step, n) => ({ ...step, customerId, key: `${customerId}-k${n}` }));
};

/** Sends one step; a dropped connection or a timeout is an outcome, not an exception. */
export const sendStep = async (
  baseUrl: string,
  step: CommandStep,
  timeoutMs = 15_000,
): Promise<Outcome> => {
  try {
    const response = await fetch(`${baseUrl}${step.path}`, {
      method: step.method,
      headers: { 'content-type': 'application/json', 'idempotency-key': step.key },
      body: JSON.stringify(step.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let version: number | undefined;
    try {
      const parsed = JSON.parse(text) as { version?: unknown };
      if (typeof parsed.version === 'number') version = parsed.version;
    } catch {
      version = undefined;
    }
    return {
      kind: 'answered',
      status: response.status,
      version,
      replayed: response.headers.get('idempotent-replayed') === 'true',
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { kind: 'dropped', error: cause ?? (error instanceof Error ? error.name : 'error') };
  }
};

export const isSuccess = (outcome: Outcome): outcome is Extract<Outcome, { kind: 'answered' }> =>
  outcome.kind === 'answered' && outcome.status >= 200 && outcome.status < 300;
