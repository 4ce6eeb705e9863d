/**
 * `npm run rebuild`: replays every Customer stream into the read model, with a progress bar.
 * Tables come from COMMAND_TABLE / QUERY_TABLE; the endpoint and credentials from the SDK's
 * own chain (AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local). Safe while the projector runs.
 */
import cliProgress from 'cli-progress';
import { createDocumentClient } from '../adapters/dynamodb/document-client.js';
import { DynamoDBCustomerViewStore } from '../adapters/dynamodb/dynamodb-customer-view-store.js';
import { DynamoDBEventStore } from '../adapters/dynamodb/dynamodb-event-store.js';
import { rebuildViews } from '../app/rebuild.js';
import { readConfig } from '../config.js';
import { endpointClientConfig } from '../local/local-endpoints.js';

const main = async () => {
  const config = readConfig();
  const concurrency = Number(process.argv[2] ?? 16);
  const client = createDocumentClient(endpointClientConfig(process.env, 'DYNAMODB', 'local'));
  const store = new DynamoDBEventStore({ client, tableName: config.COMMAND_TABLE });
  const bar = new cliProgress.SingleBar(
    { format: 'rebuild [{bar}] {value}/{total} streams | {updated} updated | {failed} failed' },
    cliProgress.Presets.shades_classic,
  );
  bar.start(0, 0, { updated: 0, failed: 0 });
  const report = await rebuildViews({
    catalog: store,
    events: store,
    views: new DynamoDBCustomerViewStore({ client, tableName: config.QUERY_TABLE }),
    concurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 16,
    onProgress: (p) => {
      bar.setTotal(p.discovered);
      bar.update(p.processed, { updated: p.updated, failed: p.failed });
    },
  });
  bar.stop();
  console.log(
    `${report.processed} streams replayed into ${config.QUERY_TABLE}: ${report.updated} views moved forward, ${report.failed} failed`,
  );
  for (const { aggregateId, error } of report.failures.slice(0, 20)) {
    console.error(`  ${aggregateId}: ${error instanceof Error ? error.message : String(error)}`);
  }
  client.destroy();
  process.exitCode = report.failed > 0 ? 1 : 0;
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
