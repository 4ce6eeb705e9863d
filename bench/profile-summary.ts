/**
 * `node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a process's
 * CPU went, from a V8 CPU profile (`node --cpu-prof`): self time by area of the code (our
 * layers, the SDK, HTTP, the stand-ins) and the functions with the most self time.
 */
import { readFileSync } from 'node:fs';
import { sum } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const AREAS: Array<[string, RegExp]> = [
  ['garbage collection', /^\(garbage collector\)$/],
  ['idle', /^\(idle\)$/],
  ['program (native, V8)', /^\(program\)$/],
  ['our HTTP app (src/app/http)', /\/src\/app\/http\//],
  ['our command side (src/app, src/core, src/domain)', /\/src\/(app|core|domain)\//],
  ['our adapters (src/adapters)', /\/src\/adapters\//],
  ['local runtime: stream poller', /\/src\/local\/(stream|stream-poller)/],
  ['local runtime: SQS poller, stand-ins', /\/src\/local\//],
  ['AWS SDK and Smithy', /node_modules\/(@aws-sdk|@smithy|@aws-crypto)\//],
  ['hono and its node server', /node_modules\/(hono|@hono)\//],
  ['zod', /node_modules\/zod\//],
  ['fauxqs (SQS emulator)', /node_modules\/fauxqs\//],
  ['Powertools', /node_modules\/@aws-lambda-powertools\//],
  ['tsx loader', /node_modules\/(tsx|esbuild)\//],
  ['other node_modules', /node_modules\//],
  ['Node core (http, net, streams, crypto)', /^node:|^internal\//],
];

const areaOf = (node: ProfileNode): string => {
  const { url, functionName } = node.callFrame;
  for (const [name, pattern] of AREAS) {
    if (pattern.test(url) || (url === '' && pattern.test(functionName))) return name;
  }
  return url === '' ? 'native / builtins' : 'other';
};

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-summary <file.cpuprofile> [top]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMicros = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = sum([...selfMicros.values()]);
const busy = sum(
  [...selfMicros]
    .filter(([id]) => byId.get(id)?.callFrame.functionName !== '(idle)')
    .map(([, micros]) => micros),
);
const areas = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const node = byId.get(id);
  if (!node) continue;
  const area = areaOf(node);
  areas.set(area, (areas.get(area) ?? 0) + micros);
  const where = node.callFrame.url.replace(/^.*\/(node_modules|src)\//, '$1/');
  const key = `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + micros);
}
const pct = (v: number) => `${((v / busy) * 100).toFixed(1)}%`;
console.log(`profile: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy`);
console.log('\n| area | self time | share of busy |\n| --- | --- | --- |');
for (const [area, micros] of [...areas].sort((a, b) => b[1] - a[1])) {
  if (area === 'idle') continue;
  console.log(`| ${area} | ${(micros / 1000).toFixed(0)} ms | ${pct(micros)} |`);
}
console.log('\n| function | self time | share of busy |\n| --- | --- | --- |');
for (const [fn, micros] of [...functions]
  .filter(([fn]) => !fn.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(topArg ?? 25))) {
  console.log(`| \`${fn}\` | ${(micros / 1000).toFixed(0)} ms | ${pct(micros)} |`);
}
