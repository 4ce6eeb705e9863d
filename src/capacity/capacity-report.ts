import { priceTable, quotaTable } from './aws-tables.js';
import type { CapacityPlan } from './capacity-plan.js';
import { billingLabel } from './dynamodb-cost.js';
import { emailShapeSources } from './email-population.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const dec = (n: number, digits = 2) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

const table = (header: string[], rows: string[][]): string[] => [
  `| ${header.join(' | ')} |`,
  `|${header.map(() => '---').join('|')}|`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
];

export interface ReportContext {
  customers: number;
  mix: Record<string, number>;
  legacyClaims: boolean;
  idempotencyKeys: boolean;
}

/**
 * One row per cost item, one USD column per billing of DynamoDB: the same units consumed,
 * priced per request or per provisioned unit-hour.
 */
const renderCosts = (plan: CapacityPlan): string[] => {
  const [first] = plan.costs;
  if (!first) return [];
  const header = [
    'item',
    'per command',
    ...plan.costs.map((c) => `USD, ${billingLabel(c.billing)}`),
  ];
  return [
    '### Cost per million commands',
    '',
    ...table(
      header,
      first.lines.map((l, i) => [
        l.item,
        `${dec(l.perCommand, l.perCommand < 0.01 ? 6 : 3)} ${l.unit}`,
        ...plan.costs.map((c) => dec(c.lines[i]?.usdPerMillionCommands ?? 0)),
      ]),
    ),
    `| **total** | | ${plan.costs.map((c) => `**${dec(c.totalUsdPerMillion)}**`).join(' | ')} |`,
    '',
    ...plan.costs.flatMap((c) =>
      c.increasesNeeded.length === 0
        ? []
        : [
            `DynamoDB ${billingLabel(c.billing)} needs, at ${int(plan.rate)} commands/s, these quota increases: ${c.increasesNeeded.map((l) => `${l.name} (reached at ${int(l.bindsAt)} commands/s)`).join('; ')}.`,
            '',
          ],
    ),
  ];
};

/** The plan as Markdown tables: what `npm run capacity` prints and `docs/capacity.md` holds. */
export const renderPlan = (plan: CapacityPlan, context: ReportContext): string => {
  const mix = Object.entries(context.mix)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const out: string[] = [
    `## ${int(plan.rate)} commands/s, ${int(context.customers)} customers, mix ${mix}, ${plan.region}`,
    '',
    `Replayed ${int(plan.sample)} commands through the service's own code; legacy email claims ${context.legacyClaims ? 'checked' : 'off'}; idempotency keys ${context.idempotencyKeys ? 'on every command' : 'off'}.`,
    '',
    '### Hottest partition-key value of every table and index',
    '',
    ...table(
      ['table/index', 'hottest key', 'share of its writes', 'writes/command', 'writes/s', ''],
      plan.hotKeys.map((k) => [
        k.target,
        `\`${k.partitionKey.length > 32 ? `${k.partitionKey.slice(0, 32)}…` : k.partitionKey}\``,
        pct(k.share),
        dec(k.writesPerCommand, 4),
        int(k.writesPerSecond),
        k.hot ? '**over 500/s**' : '',
      ]),
    ),
    '',
    '### Capacity units per command',
    '',
    ...table(
      ['command', 'replayed', 'RRU', 'WRU (table + indexes)', 'WRU by table/index', 'KMS calls'],
      plan.units.map((u) => [
        u.kind,
        int(u.commands),
        dec(Object.values(u.readUnits).reduce((a, b) => a + b, 0)),
        dec(Object.values(u.writeUnits).reduce((a, b) => a + b, 0)),
        Object.entries(u.writeUnits)
          .map(([t, v]) => `${t} ${dec(v)}`)
          .join(', '),
        dec(u.kmsCalls),
      ]),
    ),
    '',
    '### Rates against AWS quotas',
    '',
    ...table(
      ['service', 'per command', 'per second', 'quota', 'reached at (commands/s)'],
      plan.services.map((s) => [
        s.name,
        dec(s.perCommand, 3),
        int(s.perSecond),
        s.quota === null ? 'none' : `${int(s.quota)} ${s.unit}${s.adjustable ? '' : ' (fixed)'}`,
        s.bindsAt === null ? '-' : int(s.bindsAt),
      ]),
    ),
    '',
    ...renderCosts(plan),
  ];
  out.push('### Limits, lowest first', '');
  out.push(
    ...table(
      ['limit', 'reached at (commands/s)', 'whose', 'raised by'],
      plan.limits
        .slice(0, 12)
        .map((l) => [
          l.name,
          int(l.bindsAt),
          l.owner === 'ours' ? 'ours' : l.owner === 'aws' ? 'AWS, adjustable' : 'AWS, fixed',
          l.raisedBy,
        ]),
    ),
    '',
  );
  const first = plan.firstLimit;
  if (first)
    out.push(`**First limit that binds:** ${first.name}, at ${int(first.bindsAt)} commands/s.`);
  if (plan.increasesNeeded.length > 0) {
    out.push(
      '',
      `Quota increases ${int(plan.rate)} commands/s needs: ${plan.increasesNeeded.map((l) => l.name).join('; ')}.`,
    );
  }
  const a = plan.assumptions;
  out.push(
    '',
    `Assumed (not counted): command ${a.commandMs} ms at ${a.commandMemoryMb} MB; publisher ${a.publisherBatchMs} ms per batch at ${a.publisherMemoryMb} MB; projector ${a.projectorBatchMs} ms per batch at ${a.projectorMemoryMb} MB; ${a.logBytesPerInvocation} bytes of logs per invocation; stack: API throttle ${plan.stack.apiRateLimit}/s, projector maxConcurrency ${plan.stack.projectorMaxConcurrency}, batches ${plan.stack.streamBatchSize} (stream) and ${plan.stack.queueBatchSize} (queue).`,
    `Quotas as of ${quotaTable.retrieved}, prices (${priceTable.region}) as of ${priceTable.retrieved}: src/capacity/data/. Email shapes: ${emailShapeSources.map((s) => s.data).join(', ')} (src/capacity/data/email-shapes.json).`,
  );
  return `${out.join('\n')}\n`;
};
