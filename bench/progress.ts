import cliProgress from 'cli-progress';

export interface PhaseProgress {
  tick(by?: number): void;
  done(): void;
}

/**
 * One progress bar per phase on a terminal; a start and an end line per phase otherwise,
 * so a run in the background still shows where it is.
 */
export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private readonly startedAt = performance.now();

  phase(name: string, total: number): PhaseProgress {
    const started = performance.now();
    const elapsed = () => ((performance.now() - started) / 1000).toFixed(1);
    if (!this.tty) {
      this.log(`${name} (${total}) ...`);
      return {
        tick: () => {},
        done: () => this.log(`${name} done in ${elapsed()} s`),
      };
    }
    const bar = new cliProgress.SingleBar(
      {
        format: `${name.padEnd(44)} [{bar}] {value}/{total} {duration_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), 0);
    let value = 0;
    return {
      tick: (by = 1) => {
        value += by;
        bar.update(Math.min(value, total));
      },
      done: () => {
        bar.update(total);
        bar.stop();
      },
    };
  }

  log(message: string): void {
    const at = ((performance.now() - this.startedAt) / 1000).toFixed(0).padStart(4);
    process.stderr.write(`[${at}s] ${message}\n`);
  }
}
