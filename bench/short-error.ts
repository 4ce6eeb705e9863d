/** Longest error line the bench prints. */
const MAX_LENGTH = 300;

/**
 * The line of a child process's stderr that says what went wrong, truncated: Node prints an
 * uncaught error after the source line it came from, which in a minified bundle is the
 * whole bundle.
 */
export const shortError = (stderr: string): string => {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const line =
    lines.find((l) => /^[A-Za-z]*(Error|Exception)\b.*:/.test(l)) ?? lines[0] ?? '(no output)';
  return line.length > MAX_LENGTH ? `${line.slice(0, MAX_LENGTH)}…` : line;
};
