import {
  BUNDLE_BUDGET_BYTES,
  type BundleSize,
  HANDLER_ENTRIES,
  type HandlerName,
  measureBundle,
} from './bundling.js';

/** Prints each function's bundle size; exits non-zero when one is missing or over budget. */
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

let failed = false;
for (const name of Object.keys(HANDLER_ENTRIES) as HandlerName[]) {
  let size: BundleSize;
  try {
    size = await measureBundle(name);
  } catch (error) {
    failed = true;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    console.log(`${name.padEnd(12)} ${HANDLER_ENTRIES[name].padEnd(28)} FAILED: ${reason}`);
    continue;
  }
  const over = size.bytes > BUNDLE_BUDGET_BYTES;
  failed ||= over;
  console.log(
    `${name.padEnd(12)} ${size.entry.padEnd(28)} ${kib(size.bytes).padStart(11)}` +
      ` (+ ${kib(size.sourceMapBytes)} source map)${over ? '  OVER BUDGET' : ''}` +
      `  largest: ${size.largestInputs.map(([pkg, bytes]) => `${pkg} ${kib(bytes)}`).join(', ')}`,
  );
}
console.log(`budget: ${kib(BUNDLE_BUDGET_BYTES)} minified per function`);
if (failed) process.exitCode = 1;
