/**
 * The reconciler's own cost as the changed streams grow: time, CPU and peak heap of one run
 * over a window in which N streams changed, with the store ports in memory (no I/O), so
 * what grows is the reconciler's work alone. Linear means 4× the streams cost about 4×.
 * The previous algorithm (the whole window in one Map, drained with `Array.shift()`, one
 * view read per stream, one checkpoint at the end) runs beside it as the baseline.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { reconcileViews } from '../src/app/reconciler.js';
import type { EventEnvelope } from '../src/core/event.js';
import type { Projection, VersionedView } from '../src/core/projection.js';
import type { Checkpoints, StreamChange, StreamChanges } from '../src/core/stream-changes.js';
import { StreamTypes } from '../src/core/stream-types.js';
import { ViewCatchUp } from '../src/core/view-catch-up.js';
import type { ViewStore } from '../src/core/view-store.js';
import type { Progress } from './progress.js';
import { round } from './stats.js';

export interface ReconcilerScaleRow {
  algorithm: 'sliced' | 'previous';
  streams: number;
  seconds: number;
  cpuSeconds: number;
  /** Highest live heap (after a collection) sampled during the run, above the heap before it. */
  peakHeapMB: number;
  slices: number;
  healed: number;
  /** View reads: one per batch of up to 100 (sliced), one per stream (previous). */
  viewReads: number;
}

export interface ReconcilerScaleResults {
  /** One in this many views is behind (missing), and its stream is read. */
  behindEvery: number;
  windowMinutes: number;
  rows: ReconcilerScaleRow[];
}

const WINDOW_MS = 20 * 60_000;
const BEHIND_EVERY = 10;
const W0 = Date.parse('2026-12-01T08:00:00.000Z');
const PAGE = 1000;

interface BenchView extends VersionedView {
  id: string;
}

const projection: Projection<BenchView> = {
  evolve: (_view, event) => ({ id: event.aggregateId, version: event.version }),
};

const idOf = (i: number) => `customer-${i.toString().padStart(8, '0')}`;
const indexOf = (id: string) => Number(id.slice('customer-'.length));

/** Stream i changed once (to version 1), at an even spacing over the window. */
const memoryPorts = (streams: number, sample: (work: number) => void) => {
  const at = (i: number) => W0 + Math.floor((i * WINDOW_MS) / streams);
  const firstAtOrAfter = (ms: number) =>
    Math.min(Math.max(Math.ceil(((ms - W0) * streams) / WINDOW_MS), 0), streams);
  const changes: StreamChanges = {
    async *changesBetween(from, to) {
      const end = firstAtOrAfter(Date.parse(to) + 1);
      for (let i = firstAtOrAfter(Date.parse(from)); i < end; i += PAGE) {
        const page: StreamChange[] = [];
        for (let j = i; j < Math.min(i + PAGE, end); j++) {
          page.push({
            aggregateType: 'Customer',
            aggregateId: idOf(j),
            version: 1,
            timestamp: new Date(at(j)).toISOString(),
          });
        }
        sample(page.length);
        yield page;
      }
    },
  };
  let viewReads = 0;
  let healed = 0;
  const stored = (id: string): BenchView | undefined =>
    indexOf(id) % BEHIND_EVERY === 0 ? undefined : { id, version: 1 };
  const views: ViewStore<BenchView> = {
    async get(id) {
      viewReads++;
      sample(1);
      return stored(id);
    },
    async getMany(ids) {
      viewReads++;
      sample(ids.length);
      const found = new Map<string, BenchView>();
      for (const id of ids) {
        const view = stored(id);
        if (view) found.set(id, view);
      }
      return found;
    },
    async put() {
      healed++;
    },
  };
  const events = {
    async readStream(id: string): Promise<EventEnvelope[]> {
      return [
        {
          eventId: `e-${id}`,
          aggregateType: 'Customer',
          aggregateId: id,
          eventType: 'CustomerRegistered',
          payload: {},
          timestamp: new Date(at(indexOf(id))).toISOString(),
          version: 1,
          metadata: { correlationId: 'bench', schemaVersion: 1 },
        },
      ];
    },
  };
  const saved = new Map<string, string>();
  const checkpoints: Checkpoints = {
    async read(name) {
      return saved.get(name);
    },
    async write(name, value) {
      saved.set(name, value);
    },
  };
  return { changes, views, events, checkpoints, counts: () => ({ viewReads, healed }) };
};

/** The previous algorithm, kept here only as the baseline it is measured against. */
const previousReconcile = async (
  ports: ReturnType<typeof memoryPorts>,
  from: string,
  to: string,
) => {
  const latest = new Map<string, number>();
  for await (const page of ports.changes.changesBetween(from, to)) {
    for (const { aggregateId, version } of page) {
      latest.set(aggregateId, Math.max(version, latest.get(aggregateId) ?? 0));
    }
  }
  const catchUp = new ViewCatchUp({ events: ports.events, views: ports.views, projection });
  const queue = [...latest];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      await catchUp.catchUp(next[0], { upTo: next[1] });
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  await ports.checkpoints.write('previous', to);
};

/** `gc()` where V8 lets us have it, so each run starts from a settled heap. */
const collectGarbage = (): (() => void) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return gc ?? (() => {});
};

const measure = async (
  algorithm: ReconcilerScaleRow['algorithm'],
  streams: number,
): Promise<ReconcilerScaleRow> => {
  const gc = collectGarbage();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  // Live heap only: a collection, then the heap, about 100 times a run (after every
  // `streams / 50` streams listed or views read); the time and CPU this takes is left out.
  const step = Math.max(Math.floor(streams / 50), 1);
  let work = 0;
  let nextAt = 0;
  let samplingMs = 0;
  let samplingCpu = 0;
  const sample = (units: number) => {
    work += units;
    if (work < nextAt) return;
    nextAt = work + step;
    const t = performance.now();
    const c = process.cpuUsage();
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    const spent = process.cpuUsage(c);
    samplingCpu += spent.user + spent.system;
    samplingMs += performance.now() - t;
  };
  const ports = memoryPorts(streams, sample);
  const settleMs = 60_000;
  const overlapMs = 5 * 60_000;
  // The previous run ended at the window's start (the overlap reaches back before it, empty).
  await ports.checkpoints.write('sliced', new Date(W0 + overlapMs).toISOString());
  const to = new Date(W0 + WINDOW_MS).toISOString();
  const started = performance.now();
  const cpu = process.cpuUsage();
  let slices = 1;
  if (algorithm === 'sliced') {
    const report = await reconcileViews({
      changes: ports.changes,
      checkpoints: ports.checkpoints,
      streams: new StreamTypes([
        {
          type: 'Customer',
          events: ports.events,
          stored: ports.events,
          upcast: (envelope) => envelope,
          projections: [{ name: 'bench-views', projection, views: ports.views }],
        },
      ]),
      name: 'sliced',
      clock: { now: () => new Date(W0 + WINDOW_MS + settleMs) },
      settleMs,
      overlapMs,
    });
    slices = report.slices;
  } else {
    await previousReconcile(ports, new Date(W0).toISOString(), to);
  }
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started - samplingMs;
  return {
    algorithm,
    streams,
    seconds: round(ms / 1000, 2),
    cpuSeconds: round((used.user + used.system - samplingCpu) / 1e6, 2),
    peakHeapMB: round((peak - heapBefore) / 2 ** 20, 1),
    slices,
    ...ports.counts(),
  };
};

export const runReconcilerScale = async (
  sizes: readonly number[],
  progress: Progress,
): Promise<ReconcilerScaleResults> => {
  const rows: ReconcilerScaleRow[] = [];
  const phase = progress.phase('reconciler scale', sizes.length * 2);
  for (const streams of sizes) {
    for (const algorithm of ['sliced', 'previous'] as const) {
      rows.push(await measure(algorithm, streams));
      phase.tick();
    }
  }
  phase.done();
  return { behindEvery: BEHIND_EVERY, windowMinutes: WINDOW_MS / 60_000, rows };
};

export const renderReconcilerScale = (results: ReconcilerScaleResults): string => {
  const lines = [
    `### The reconciler with many changed streams (ports in memory, ${results.windowMinutes}-minute window, 1 in ${results.behindEvery} views behind)`,
    '',
    '| algorithm | changed streams | s | CPU s | peak live heap MB | slices | view reads | healed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of results.rows) {
    lines.push(
      `| ${row.algorithm} | ${row.streams} | ${row.seconds} | ${row.cpuSeconds} | ${row.peakHeapMB} | ${row.slices} | ${row.viewReads} | ${row.healed} |`,
    );
  }
  const sizes = [...new Set(results.rows.map((r) => r.streams))];
  const [small, large] = [sizes[0], sizes.at(-1)];
  if (small !== undefined && large !== undefined && large > small) {
    for (const algorithm of ['sliced', 'previous'] as const) {
      const cpu = (n: number) =>
        results.rows.find((r) => r.algorithm === algorithm && r.streams === n)?.cpuSeconds ?? 0;
      const ratio = cpu(small) > 0 ? round(cpu(large) / cpu(small), 1) : 0;
      lines.push('', `${algorithm}: ${large / small}× the streams cost ${ratio}× the CPU.`);
    }
  }
  return `${lines.join('\n')}\n`;
};
