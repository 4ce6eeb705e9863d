import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sendInSubjectOrder } from './subject-ordered-sends.js';

interface Item {
  subject: string;
  n: number;
}

/** A send whose calls stay open until the test lets them finish. */
const heldSends = () => {
  const open: Array<{ batch: Item[]; finish: (unsent?: Item[]) => void }> = [];
  const started: Item[][] = [];
  const send = (batch: Item[]) =>
    new Promise<Item[]>((resolve) => {
      started.push(batch);
      open.push({ batch, finish: (unsent = []) => resolve(unsent) });
    });
  return { send, open, started };
};

/** Lets every promise that can settle do so. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const items = (subject: string, ...ns: number[]): Item[] => ns.map((n) => ({ subject, n }));

describe('sendInSubjectOrder', () => {
  it('sends batches with no subject in common together, at most `concurrency` at once', async () => {
    const held = heldSends();
    const batches = ['a', 'b', 'c', 'd', 'e'].map((s) => items(s, 1));
    const done = sendInSubjectOrder(batches, (i) => i.subject, held.send, 3);
    await settle();
    expect(held.started).toEqual(batches.slice(0, 3));
    held.open[1]?.finish();
    await settle();
    // One finished: exactly one more starts.
    expect(held.started).toEqual(batches.slice(0, 4));
    for (const call of held.open.slice(2)) call.finish();
    held.open[0]?.finish();
    await settle();
    held.open[4]?.finish();
    expect(await done).toEqual([[], [], [], [], []]);
    expect(held.started).toHaveLength(5);
  });

  it('starts a batch holding a subject only after every earlier batch holding it', async () => {
    const held = heldSends();
    const batches = [items('a', 1), items('b', 1), [...items('a', 2), ...items('c', 1)]];
    const done = sendInSubjectOrder(batches, (i) => i.subject, held.send, 10);
    await settle();
    expect(held.started).toEqual([batches[0], batches[1]]);
    held.open[1]?.finish();
    await settle();
    expect(held.started).toHaveLength(2);
    held.open[0]?.finish();
    await settle();
    expect(held.started).toEqual(batches);
    held.open[2]?.finish();
    expect(await done).toEqual([[], [], []]);
  });

  it('holds back every later batch of a subject with unsent entries; others still go', async () => {
    const held = heldSends();
    const batches = [items('a', 1, 2), items('b', 1), items('a', 3), items('c', 1)];
    const done = sendInSubjectOrder(batches, (i) => i.subject, held.send, 10);
    await settle();
    held.open[0]?.finish(items('a', 2));
    for (const call of held.open.slice(1)) call.finish();
    expect(await done).toEqual([items('a', 2), [], items('a', 3), []]);
    expect(held.started).toEqual([batches[0], batches[1], batches[3]]);
  });

  it('whatever the timing and failures, no subject has an entry sent after an earlier one went unsent, nor out of order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.infiniteStream(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean())),
        async (subjects, batchSize, concurrency, behaviour) => {
          const all = subjects.map((subject, n) => ({ subject, n }));
          const batches: Item[][] = [];
          for (let i = 0; i < all.length; i += batchSize) {
            batches.push(all.slice(i, i + batchSize));
          }
          const sent: Item[] = [];
          const plan = behaviour[Symbol.iterator]();
          let inFlight = 0;
          let most = 0;
          const send = async (batch: Item[]) => {
            inFlight++;
            most = Math.max(most, inFlight);
            const [yields, fails] = plan.next().value as [number, boolean];
            for (let y = 0; y < yields; y++) await settle();
            inFlight--;
            // A failing call sends the first half, in order; the rest is left.
            const cut = fails ? Math.floor(batch.length / 2) : batch.length;
            sent.push(...batch.slice(0, cut));
            return batch.slice(cut);
          };
          const unsent = (await sendInSubjectOrder(batches, (i) => i.subject, send, concurrency))
            .flat()
            .map((i) => i.n);
          expect(most).toBeLessThanOrEqual(concurrency);
          // Every entry is either sent once or answered unsent.
          expect([...sent.map((i) => i.n), ...unsent].sort((x, y) => x - y)).toEqual(
            all.map((i) => i.n),
          );
          for (const subject of new Set(subjects)) {
            const ofSubject = all.filter((i) => i.subject === subject).map((i) => i.n);
            const sentOfSubject = sent.filter((i) => i.subject === subject).map((i) => i.n);
            // In order, and a prefix: nothing after the first entry left unsent.
            expect(sentOfSubject).toEqual(ofSubject.slice(0, sentOfSubject.length));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
