import type { IndexDefinition, TableDefinition } from '../adapters/dynamodb/table-definitions.js';
import type { Item, RecordedWrite } from './in-memory-document-client.js';
import { itemSize, writeUnits } from './item-size.js';

/** One write landing on one partition-key value of a table or one of its indexes. */
export interface KeyWrite {
  /** `Table` or `Table/index`. */
  target: string;
  partitionKey: string;
  /** Write request units billed for it. */
  units: number;
}

/** The index's key of an item, or undefined when the item is not in the (sparse) index. */
const indexKeyOf = (index: IndexDefinition, item: Item | undefined) => {
  if (!item) return undefined;
  const pk = item[index.partitionKey.name];
  const sk = index.sortKey ? item[index.sortKey.name] : '';
  if (pk === undefined || sk === undefined) return undefined;
  return { pk: String(pk), sk: String(sk) };
};

/** What an index entry holds of the item: all of it, or the table's and the index's keys. */
const projectedSize = (table: TableDefinition, index: IndexDefinition, item: Item): number => {
  if (index.projection === 'ALL') return itemSize(item);
  const names = [table.partitionKey, table.sortKey, index.partitionKey, index.sortKey]
    .filter((key) => key !== undefined)
    .map((key) => key.name);
  return itemSize(Object.fromEntries(names.map((name) => [name, item[name]])));
};

const unitsOf = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

const sameImage = (a: Item, b: Item) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The writes one item write makes, on the table and on each index, derived from the table
 * definition applied to the item's images before and after: a transaction bills twice; an
 * index entry whose key changes is a delete of the old key and a put of the new one; an item
 * entering or leaving a sparse index is one write there.
 */
export const keyWritesOf = (
  write: RecordedWrite,
  table: TableDefinition,
  tableLabel: string,
): KeyWrite[] => {
  const factor = write.transactional ? 2 : 1;
  const { before, after } = write;
  const billed = Math.max(
    writeUnits(before),
    write.operation === 'DeleteItem' ? 0 : writeUnits(after),
  );
  const writes: KeyWrite[] = [
    { target: tableLabel, partitionKey: write.partitionKey, units: factor * billed },
  ];
  if (write.operation === 'ConditionCheck') return writes;
  for (const index of table.globalSecondaryIndexes) {
    const target = `${tableLabel}/${index.indexName}`;
    const old = indexKeyOf(index, before);
    const next = indexKeyOf(index, after);
    if (old && before && (!next || old.pk !== next.pk || old.sk !== next.sk)) {
      writes.push({
        target,
        partitionKey: old.pk,
        units: unitsOf(projectedSize(table, index, before)),
      });
    }
    if (next && after) {
      const moved = !old || old.pk !== next.pk || old.sk !== next.sk;
      const changed =
        moved || (index.projection === 'ALL' && (!before || !sameImage(before, after)));
      if (changed) {
        writes.push({
          target,
          partitionKey: next.pk,
          units: unitsOf(projectedSize(table, index, after)),
        });
      }
    }
  }
  return writes;
};
