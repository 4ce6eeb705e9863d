import type { Logger } from '../core/ports.js';

const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
type Level = (typeof LEVELS)[number];

const describe = (extra?: Record<string, unknown>) => {
  if (!extra) return '';
  const shown = Object.fromEntries(
    Object.entries(extra).map(([k, v]) => [k, v instanceof Error ? `${v.name}: ${v.message}` : v]),
  );
  return ` ${JSON.stringify(shown)}`;
};

/** One line per message on the terminal of `npm start`, from `level` up. */
export const consoleLogger = (level: Level): Logger => {
  const at = LEVELS.indexOf(level);
  const line = (l: Level, message: string, extra?: Record<string, unknown>) => {
    if (LEVELS.indexOf(l) < at) return;
    const text = `${new Date().toISOString()} ${l.padEnd(5)} ${message}${describe(extra)}`;
    if (l === 'WARN' || l === 'ERROR') console.error(text);
    else console.log(text);
  };
  return {
    debug: (m, e) => line('DEBUG', m, e),
    info: (m, e) => line('INFO', m, e),
    warn: (m, e) => line('WARN', m, e),
    error: (m, e) => line('ERROR', m, e),
  };
};
