import { describe, expect, it } from 'vitest';
import { shortError } from '../../bench/short-error.js';

describe('shortError', () => {
  it("answers the error's own line, not the minified source line Node prints above it", () => {
    const minified = `var a=1;${'x'.repeat(50_000)}`;
    const stderr = [
      'file:///tmp/bundles/opsApi/ops-api.mjs:1',
      minified,
      '        ^',
      '',
      'ConfigError: PROJECTION_QUEUE_URL: Invalid input',
      '    at file:///tmp/bundles/opsApi/ops-api.mjs:1:1234',
    ].join('\n');
    expect(shortError(stderr)).toBe('ConfigError: PROJECTION_QUEUE_URL: Invalid input');
  });

  it('truncates a long line, and answers the first line when none names an error', () => {
    expect(shortError(`Error: ${'y'.repeat(1000)}`)).toHaveLength(301);
    expect(shortError('\nsomething odd\nmore')).toBe('something odd');
    expect(shortError('')).toBe('(no output)');
  });
});
