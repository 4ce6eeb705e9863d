/**
 * Sends consecutive batches at most `concurrency` at a time, yet in order for each subject:
 * a batch that holds an event of a subject waits for every earlier batch holding that
 * subject. When such an earlier batch left entries unsent, the later one is held back and
 * all its entries come back unsent, so no subject's later event is ever sent before an
 * earlier one. Batches that share no subject go out together.
 *
 * `send` answers the entries it could not send, in order. The answer holds, per batch (same
 * positions as `batches`), the entries that were not sent.
 */
export const sendInSubjectOrder = async <Item>(
  batches: readonly Item[][],
  subjectOf: (item: Item) => string,
  send: (batch: Item[]) => Promise<Item[]>,
  concurrency: number,
): Promise<Item[][]> => {
  const limit = createLimit(Math.max(1, concurrency));
  const lastBatchOf = new Map<string, number>();
  const unsent: Promise<Item[]>[] = [];
  batches.forEach((batch, index) => {
    const before = new Set<number>();
    for (const item of batch) {
      const subject = subjectOf(item);
      const previous = lastBatchOf.get(subject);
      if (previous !== undefined && previous !== index) before.add(previous);
      lastBatchOf.set(subject, index);
    }
    const waitFor = [...before].map((i) => unsent[i] as Promise<Item[]>);
    unsent.push(
      (async () => {
        const earlier = await Promise.all(waitFor);
        if (earlier.some((left) => left.length > 0)) return batch;
        return limit(() => send(batch));
      })(),
    );
  });
  return Promise.all(unsent);
};

/** Runs at most `max` tasks at once, the rest in the order they asked. */
const createLimit = (max: number) => {
  let active = 0;
  const waiting: Array<() => void> = [];
  let next = 0;
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      // Hands the slot to the next waiter, or frees it.
      const wake = waiting[next];
      if (wake) {
        next++;
        wake();
      } else {
        active--;
      }
    }
  };
};
