/** One event as the change index knows it: which stream reached which version, and when. */
export interface StreamChange {
  /** The stream's type, from its key's prefix (the index holds keys only). */
  aggregateType: string;
  aggregateId: string;
  version: number;
  /** ISO instant at which the event was accepted. */
  timestamp: string;
}

/** Lists the events accepted in a time range (inclusive, ISO instants), page by page. */
export interface StreamChanges {
  changesBetween(from: string, to: string): AsyncIterable<StreamChange[]>;
}

/** Where a periodic job keeps how far it got. */
export interface Checkpoints {
  read(name: string): Promise<string | undefined>;
  write(name: string, value: string): Promise<void>;
}
