import { describe, expect, it } from 'vitest';
import { describeMachine } from '../../bench/machine.js';
import { parseOptions, SECTIONS } from '../../bench/options.js';
import { Progress } from '../../bench/progress.js';
import { checkTargets } from '../../bench/report.js';
import { BENCH_SECTIONS, renderReport, runSections } from '../../bench/sections.js';

/**
 * `npm run bench -- --smoke`: every registered section once on tiny inputs, so a section
 * that no longer runs fails here rather than for the next person who benchmarks. No figure
 * is checked: on tiny inputs they mean nothing. One DynamoDB Local serves the whole run;
 * the time is mostly bundling for the cold-start section (the limit allows a busy machine).
 */
describe('npm run bench -- --smoke', () => {
  it('runs every section, and each produces its rows and its part of the report', async () => {
    const options = parseOptions(['--smoke', '--out-dir=bench-results/smoke'], {});
    expect([...options.sections].sort()).toEqual([...SECTIONS].sort());
    const results = await runSections(options, new Progress());
    for (const name of SECTIONS) {
      expect(BENCH_SECTIONS[name].rows(results), `rows of section ${name}`).toBeGreaterThan(0);
    }
    const report = renderReport({
      machine: describeMachine(),
      options: { ...options, sections: [...options.sections] },
      ...results,
      loadAverageAtEnd: 0,
      durationSeconds: 0,
      targets: checkTargets(results),
    });
    expect(report.split('\n').filter((line) => line.startsWith('|')).length).toBeGreaterThan(
      SECTIONS.length * 2,
    );
  }, 600_000);
});
