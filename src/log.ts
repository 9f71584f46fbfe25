/** Leveled, rate-limited logging to stderr; the one place the library writes text. */

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** Logs at most once per `everyMs` for `key`, saying how many were suppressed. */
  limited(level: LogLevel, key: string, message: string, everyMs?: number): void;
}

/** A logger that prints `[name] message` lines at `level` and above to `write`. */
export function createLogger(name: string, level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const last = new Map<string, { at: number; suppressed: number }>();
  const emit = (at: LogLevel, message: string): void => {
    if (LOG_LEVELS.indexOf(at) <= threshold) write(`[${name}] ${at === 'info' ? '' : `${at}: `}${message}\n`);
  };
  return {
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (m) => emit('debug', m),
    limited(at, key, message, everyMs = 5000) {
      const now = Date.now();
      const seen = last.get(key);
      if (seen !== undefined && now - seen.at < everyMs) {
        seen.suppressed++;
        return;
      }
      const suffix = seen !== undefined && seen.suppressed > 0 ? ` (${seen.suppressed} more like it suppressed)` : '';
      last.set(key, { at: now, suppressed: 0 });
      if (last.size > 1000) last.delete(last.keys().next().value as string);
      emit(at, message + suffix);
    },
  };
}
