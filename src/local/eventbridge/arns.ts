/** Names and ARNs as EventBridge spells them. */
export interface Partition {
  region: string;
  account: string;
}

export const DEFAULT_BUS = 'default';

export const eventBusArn = (at: Partition, bus: string): string =>
  `arn:aws:events:${at.region}:${at.account}:event-bus/${bus}`;

/** Rules on the default bus carry no bus in their ARN; rules on a custom bus do. */
export const ruleArn = (at: Partition, bus: string, rule: string): string =>
  `arn:aws:events:${at.region}:${at.account}:rule/${bus === DEFAULT_BUS ? '' : `${bus}/`}${rule}`;

/** The ARN of an SQS queue from its URL (`…/<account>/<name>`), for targets given no ARN. */
export const queueArnOf = (at: Partition, queueUrl: string): string => {
  const [name = '', account] = new URL(queueUrl).pathname.split('/').filter(Boolean).reverse();
  return `arn:aws:sqs:${at.region}:${account && /^\d{12}$/.test(account) ? account : at.account}:${name}`;
};

/** Callers may name a bus by name or by ARN; absent or empty means the default bus. */
export const busNameOf = (value: unknown): string => {
  if (typeof value !== 'string' || value === '') return DEFAULT_BUS;
  const marker = ':event-bus/';
  const at = value.indexOf(marker);
  return at >= 0 ? value.slice(at + marker.length) : value;
};
