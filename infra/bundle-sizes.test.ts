import { describe, expect, it } from 'vitest';
import {
  BUNDLE_BUDGET_BYTES,
  HANDLER_ENTRIES,
  type HandlerName,
  measureBundle,
} from './bundling.js';

describe('function bundles (esbuild, the options the stack deploys with)', () => {
  it.each(Object.keys(HANDLER_ENTRIES) as HandlerName[])(
    '%s stays within the size budget',
    async (name) => {
      const { bytes, largestInputs } = await measureBundle(name);
      const largest = largestInputs.map(([pkg, b]) => `${pkg} ${(b / 1024).toFixed(0)} KiB`);
      expect(
        bytes,
        `${name}: ${(bytes / 1024).toFixed(1)} KiB; largest: ${largest.join(', ')}`,
      ).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
    },
  );
});
