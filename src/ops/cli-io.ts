/** Where a CLI writes; tests pass their own to read what it said. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const consoleIo: CliIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

export const EXIT_OK = 0;
/** The tool ran and found something wrong (differences, failures). */
export const EXIT_FINDINGS = 1;
/** The tool could not run (bad arguments, no stack, unreachable service). */
export const EXIT_FAILED = 2;

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
