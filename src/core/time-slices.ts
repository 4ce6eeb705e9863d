/** A closed range of ISO instants, both ends included. */
export interface TimeSlice {
  from: string;
  to: string;
}

/**
 * The slice of at most `lengthMs` that starts at `startMs` and ends one millisecond before
 * the next grid line of that length from the epoch, or at `endMs`: with lengths that divide
 * an hour, no slice spans two hours, and the next slice starts on the grid.
 */
export const sliceFrom = (startMs: number, lengthMs: number, endMs: number): TimeSlice => {
  if (!Number.isInteger(lengthMs) || lengthMs < 1) {
    throw new RangeError(`A slice must be a positive whole number of ms, not ${lengthMs}`);
  }
  const last = Math.min((Math.floor(startMs / lengthMs) + 1) * lengthMs - 1, endMs);
  return { from: new Date(startMs).toISOString(), to: new Date(last).toISOString() };
};

/**
 * Cuts [from, to] (ISO instants, millisecond precision) into consecutive slices
 * (`sliceFrom`), asking `lengthMs` for each one's length as it goes. Together they hold
 * every instant of the range exactly once. Lazy: a long range costs nothing up front.
 */
export function* timeSlices(
  from: string,
  to: string,
  lengthMs: () => number,
): Generator<TimeSlice> {
  const end = Date.parse(to);
  for (let start = Date.parse(from); start <= end; ) {
    const slice = sliceFrom(start, lengthMs(), end);
    yield slice;
    start = Date.parse(slice.to) + 1;
  }
}

/** Slice lengths that divide an hour, shortest first. */
export const SLICE_LENGTHS_MS = [
  1000,
  5000,
  10_000,
  30_000,
  60_000,
  5 * 60_000,
  15 * 60_000,
  60 * 60_000,
] as const;

/**
 * Sizes slices by what the last one held: a step longer when it held under a quarter of
 * `target` items, a step shorter when it held more than `target`. A quiet window is then
 * worked through in a few long slices (few queries), a busy one in short ones (little lost
 * when a run is cut short).
 */
export class SliceSizer {
  private step: number;

  constructor(
    private readonly target: number,
    startMs = 60_000,
  ) {
    const index = SLICE_LENGTHS_MS.findIndex((length) => length >= startMs);
    this.step = index < 0 ? SLICE_LENGTHS_MS.length - 1 : index;
  }

  get lengthMs(): number {
    return SLICE_LENGTHS_MS[this.step] as number;
  }

  /** False at the shortest length. */
  get canShrink(): boolean {
    return this.step > 0;
  }

  /** A step shorter: the slice in progress holds far more than the target. */
  shrink(): void {
    this.step = Math.max(this.step - 1, 0);
  }

  /** Records how many items the last slice held. */
  held(count: number): void {
    if (count > this.target) this.shrink();
    else if (count < this.target / 4)
      this.step = Math.min(this.step + 1, SLICE_LENGTHS_MS.length - 1);
  }
}
