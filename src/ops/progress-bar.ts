import cliProgress from 'cli-progress';

/**
 * A progress bar for an ops tool, with `format` naming its payload fields; none when
 * `enabled` is false, or when it is not given and stdout is not a terminal (pipes, CI).
 */
export const progressBar = (
  format: string,
  enabled: boolean | undefined,
): cliProgress.SingleBar | undefined =>
  (enabled ?? process.stdout.isTTY)
    ? new cliProgress.SingleBar({ format }, cliProgress.Presets.shades_classic)
    : undefined;
