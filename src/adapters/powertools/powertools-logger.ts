import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Logger } from '../../core/ports.js';

type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/** Structured JSON logs (Powertools) behind the core's small `Logger` port. */
export class PowertoolsLoggerAdapter implements Logger {
  readonly powertools: PowertoolsLogger;

  constructor(options: { serviceName: string; logLevel: Level }) {
    this.powertools = new PowertoolsLogger(options);
  }

  debug(message: string, extra?: Record<string, unknown>): void {
    this.powertools.debug(message, { ...extra });
  }
  info(message: string, extra?: Record<string, unknown>): void {
    this.powertools.info(message, { ...extra });
  }
  warn(message: string, extra?: Record<string, unknown>): void {
    this.powertools.warn(message, { ...extra });
  }
  error(message: string, extra?: Record<string, unknown>): void {
    this.powertools.error(message, { ...extra });
  }
}
