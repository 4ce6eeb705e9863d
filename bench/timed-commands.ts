/**
 * Per-kind latency samples of a workload, and `timed`, which runs one command, records its
 * latency under its kind and reports it to `onCommand` (the progress line).
 */
export const timedCommands = <K extends string>(kinds: readonly K[], onCommand: () => void) => {
  const latencyMs = Object.fromEntries(kinds.map((kind) => [kind, []])) as unknown as Record<
    K,
    number[]
  >;
  const timed = async (kind: K, work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    latencyMs[kind].push(performance.now() - started);
    onCommand();
  };
  return { latencyMs, timed };
};
